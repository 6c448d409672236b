import Foundation
package import PortalDomain

/// An image as one caller sees it: the image, the caller's own member record, and what the caller
/// may do with it.
package struct ImageView: Hashable, Sendable {
    package var image: Image
    package var membership: Member?
    package var capabilities: ImageCapabilities
}

/// One page of an image list.
package struct ImagePage: Sendable {
    package var images: [Image]
    /// The marker of the next page; nil on the last page.
    package var nextMarker: ImageID?
}

/// How many images a tenant owns and has been offered, by member status.
package struct ImageCounts: Hashable, Sendable {
    package var owned = 0
    package var accepted = 0
    package var pending = 0
    package var rejected = 0
}

/// Metadata changes computed from the image as it is when they are applied.
package typealias ImageChanges = @Sendable (Image) throws(DomainError) -> [ImageChange]

/// Creating, reading, listing and changing image metadata (Glance v2 and v1, and the portal).
package struct ImageCatalog: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Creates a queued image (data comes later) — `POST /v2/images`, v1 `POST` without data.
    package func create(_ draft: ImageDraft, by actor: Actor) async throws -> Image {
        let image = try ImageRules.newImage(draft, by: actor.principal, now: core.clock.now(), origin: .upload)
        try await insert(image, event: .about(image, .imageCreated, by: actor, at: image.createdAt, after: AuditEvent.fields(of: image)))
        return image
    }

    /// Inserts a new image with its audit event; a taken ID is a 409.
    func insert(_ image: Image, event: AuditEvent) async throws {
        let conflict = "An image with ID \(image.id) already exists."
        try await core.transact(Reads(images: [image.id]), conflict: conflict) { snapshot in
            guard snapshot.images[image.id] == nil else { throw DomainError.conflict(conflict) }
            return Commit([.insertImage(image), .audit(event)])
        }
    }

    /// An image the caller may see, with what it may do (404 otherwise).
    package func show(_ id: ImageID, for principal: Principal) async throws -> ImageView {
        let (image, membership) = try await core.authorized(id, .show, for: principal)
        return ImageView(
            image: image, membership: membership,
            capabilities: ImageCapabilities(image: image, membership: membership, principal: principal, settings: core.settings.access))
    }

    /// A page of the caller's image list (Glance's default list, filters and keyset paging).
    package func list(_ query: ImageListQuery, for principal: Principal) async throws -> ImagePage {
        var marker: Image?
        if let id = query.marker {
            guard let found = try await core.records.image(id, memberRecordOf: principal.tenantID),
                AccessPolicy.decide(.show, image: found.image, membership: found.membership, principal: principal, settings: core.settings.access)
                    == .allow
            else {
                throw DomainError.invalid("Invalid marker: no image with ID \(id) is visible to you.")
            }
            marker = found.image
        }
        let scope = query.scope(for: principal, settings: core.settings.access)
        var images = try await core.records.images(in: scope, matching: query, after: marker, limit: query.limit + 1)
        let more = images.count > query.limit
        if more { images.removeLast() }
        return ImagePage(images: images, nextMarker: more ? images.last?.id : nil)
    }

    /// How many images the caller owns and has been offered (the dashboard).
    package func counts(for principal: Principal) async throws -> ImageCounts {
        guard let tenant = principal.tenantID else { return ImageCounts() }
        let offered = { (status: MemberStatus) in
            var query = ImageListQuery()
            query.onlySharedWithCaller = true
            query.memberStatus = .init(rawValue: status.rawValue) ?? .accepted
            return query.scope(for: principal, settings: core.settings.access)
        }
        var counts = ImageCounts()
        counts.owned = try await core.records.count(ImageScope(branches: [.owned(by: tenant, visibilities: nil)]))
        counts.accepted = try await core.records.count(offered(.accepted))
        counts.pending = try await core.records.count(offered(.pending))
        counts.rejected = try await core.records.count(offered(.rejected))
        return counts
    }

    /// Applies metadata changes computed from the current image (`PATCH`, v1 `PUT`, the portal's edit form).
    package func update(_ id: ImageID, by actor: Actor, changes: @escaping ImageChanges) async throws -> Image {
        try await change(id, by: actor, type: .imageUpdated) { image, now throws(DomainError) in
            try ImageRules.apply(try changes(image), to: image, by: actor.principal, now: now)
        }
    }

    /// `PUT .../tags/{tag}`.
    package func addTag(_ tag: String, to id: ImageID, by actor: Actor) async throws -> Image {
        try await change(id, by: actor, type: .imageUpdated) { image, now throws(DomainError) in try ImageRules.addingTag(tag, to: image, now: now) }
    }

    /// `DELETE .../tags/{tag}`.
    package func removeTag(_ tag: String, from id: ImageID, by actor: Actor) async throws -> Image {
        try await change(id, by: actor, type: .imageUpdated) { image, now throws(DomainError) in try ImageRules.removingTag(tag, from: image, now: now) }
    }

    /// Loads the image, checks `action`, transforms it, and saves it with an audit event of the
    /// changed fields when something changed — in one transaction.
    func change(
        _ id: ImageID, by actor: Actor, type: AuditEventType, action: ImageAction = .update,
        _ transform: @escaping @Sendable (Image, Date) throws(DomainError) -> Image
    ) async throws -> Image {
        let now = core.clock.now()
        let settings = core.settings.access
        return try await core.transact(.image(id, for: actor.principal)) { snapshot in
            let (image, _) = try snapshot.authorized(id, action, for: actor.principal, settings: settings)
            let updated = try transform(image, now)
            return Commit(Self.saving(before: image, after: updated, type: type, by: actor, at: now), updated)
        }
    }

    /// The writes that store a changed image and audit what changed; none when nothing did.
    static func saving(before: Image, after: Image, type: AuditEventType, by actor: Actor, at now: Date, detail: String? = nil) -> [Write] {
        guard before != after else { return [] }
        let (old, new) = AuditEvent.diff(before, after)
        return [.updateImage(after), .audit(.about(before, type, by: actor, at: now, before: old, after: new, detail: detail))]
    }
}
