package import PortalDomain

/// The built-in local compute provider: a tenant's servers, each holding a copy of its boot image's
/// data as its disk, and snapshots of them as new images (PRODUCT "Servers and snapshots").
package struct Compute: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Boots a server from an image the tenant may use (own, public, community, or shared with it in
    /// any status); any other image is "not found" (400, as Nova answers).
    package func boot(name: String, imageRef: String, by actor: Actor) async throws -> Server {
        let tenant = try ComputeRules.requireTenant(actor.principal)
        let name = try ComputeRules.serverName(name)
        let notFound = DomainError.invalid("Image \(imageRef.prefix(64)) could not be found.")
        guard let imageID = ImageID(rawValue: imageRef) else { throw notFound }
        let image: Image
        do {
            image = try await core.authorized(imageID, .boot, for: actor.principal).image
        } catch DomainError.notFound {
            throw notFound
        }
        try ImageRules.requireBootable(image)
        let now = core.clock.now()
        let server = Server(id: .generate(), tenant: tenant, name: name, imageID: image.id, diskSize: image.size ?? 0, createdAt: now, updatedAt: now)
        try await core.blobs.copy(.image(image.id), to: .serverDisk(server.id))
        do {
            try await core.records.apply([
                .insertServer(server),
                .audit(
                    AuditEvent(
                        at: now, type: .serverCreated, actor: actor, imageID: image.id, otherTenant: tenant,
                        after: ["server_id": .string(server.id.rawValue), "name": .string(name)], detail: "booted from image \(image.id)")),
            ])
        } catch {
            await core.blobs.remove(.serverDisk(server.id))
            throw error
        }
        return server
    }

    /// The caller's servers, newest first.
    package func servers(for principal: Principal) async throws -> [Server] {
        try await core.records.servers(of: try ComputeRules.requireTenant(principal))
    }

    /// One server the caller may see (its own; staff who read across tenants: any), 404 otherwise.
    package func server(_ id: ServerID, for principal: Principal) async throws -> Server {
        guard let server = try await core.records.server(id), TenantScope.of(principal).includes(server.tenant) else {
            throw DomainError.notFound("No server with ID \(id).")
        }
        return server
    }

    /// Deletes a server and its disk.
    package func delete(_ id: ServerID, by actor: Actor) async throws {
        guard !actor.principal.isSupport else { throw DomainError.forbidden("Support staff have read-only access.") }
        let now = core.clock.now()
        try await core.transact(Reads(servers: [id])) { snapshot in
            guard let server = snapshot.servers[id], TenantScope.of(actor.principal).includes(server.tenant) else {
                throw DomainError.notFound("No server with ID \(id).")
            }
            return Commit([
                .deleteServer(id, at: now),
                .audit(
                    AuditEvent(
                        at: now, type: .serverDeleted, actor: actor, imageID: server.imageID, otherTenant: server.tenant,
                        before: ["server_id": .string(id.rawValue), "name": .string(server.name)])),
            ])
        }
        await core.blobs.remove(.serverDisk(id))
    }

    /// Nova's createImage: an active image owned by the server's tenant, whose lineage records the
    /// server and the image it was booted from.
    package func snapshot(_ id: ServerID, name: String, metadata: [String: String], by actor: Actor) async throws -> Image {
        let tenant = try ComputeRules.requireTenant(actor.principal)
        guard let server = try await core.records.server(id), server.tenant == tenant else { throw DomainError.notFound("No server with ID \(id).") }
        guard let boot = try await core.records.image(server.imageID, memberRecordOf: nil)?.image else {
            throw DomainError.notFound("The server's boot image \(server.imageID) is missing.")
        }
        var draft = try ComputeRules.snapshotDraft(of: server, boot: boot, name: name, metadata: metadata)
        draft.id = .generate()
        let now = core.clock.now()
        let queued = try ImageRules.newImage(draft, by: actor.principal, now: now, origin: .snapshot(server: server.id, bootImage: boot.id))
        let image = ImageRules.activating(queued, with: try ComputeRules.snapshotFacts(of: boot), now: now)
        // The local provider's disks are never written, so the disk holds the boot image's data.
        try await core.blobs.copy(.serverDisk(server.id), to: .image(image.id))
        do {
            try await ImageCatalog(core).insert(
                image,
                event: .about(
                    image, .snapshotCreated, by: actor, at: now,
                    after: ["name": .string(image.name ?? ""), "server_id": .string(server.id.rawValue), "boot_image_id": .string(boot.id.rawValue)],
                    detail: "snapshot of server \(server.id), booted from image \(boot.id) owned by tenant \(boot.owner)"))
        } catch {
            await core.blobs.remove(.image(image.id))
            throw error
        }
        return image
    }
}
