package import PortalDomain

/// Lifecycle transitions of an image: deactivate, reactivate, protect, change visibility, delete.
package struct ImageLifecycle: Sendable {
    let core: CoreContext
    var catalog: ImageCatalog { ImageCatalog(core) }

    package init(_ core: CoreContext) { self.core = core }

    /// `POST .../actions/deactivate`: an active image's data can no longer be downloaded or booted (admins excepted).
    package func deactivate(_ id: ImageID, by actor: Actor) async throws -> Image {
        try await catalog.change(id, by: actor, type: .imageDeactivated) { image, now throws(DomainError) in try ImageRules.deactivating(image, now: now) }
    }

    /// `POST .../actions/reactivate`.
    package func reactivate(_ id: ImageID, by actor: Actor) async throws -> Image {
        try await catalog.change(id, by: actor, type: .imageReactivated) { image, now throws(DomainError) in try ImageRules.reactivating(image, now: now) }
    }

    /// Protects an image from deletion, or lifts the protection.
    package func protect(_ id: ImageID, _ protected: Bool, by actor: Actor) async throws -> Image {
        try await catalog.update(id, by: actor) { _ throws(DomainError) in [.protected(protected)] }
    }

    /// Changes who may see the image (only admins may make it public; making a shared image private
    /// hides it from its members, who keep their records).
    package func changeVisibility(_ id: ImageID, to visibility: Visibility, by actor: Actor) async throws -> Image {
        try await catalog.update(id, by: actor) { _ throws(DomainError) in [.visibility(visibility)] }
    }

    /// Deletes an image: refused while protected; the row stays as `deleted` for lineage and audit,
    /// the data is removed.
    package func delete(_ id: ImageID, by actor: Actor) async throws {
        _ = try await catalog.change(id, by: actor, type: .imageDeleted, action: .delete) { image, now throws(DomainError) in
            try ImageRules.deleting(image, now: now)
        }
        await core.blobs.remove(.image(id))
    }
}
