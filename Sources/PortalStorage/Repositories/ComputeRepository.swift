import Foundation
import GRDB
package import PortalDomain

/// The built-in local compute provider: a tenant's servers, each holding a copy of its boot
/// image's data as its disk, and snapshots of them as new images.
package protocol ComputeRepository: Sendable {
    /// Boots a server from an image the tenant may use (own, public, community, or shared with it
    /// in any status); anything else is 400 "image not found", as Nova answers.
    func create(name: String, imageRef: String, actor: Actor) async throws -> Server
    /// The tenant's servers, newest first.
    func servers(of tenant: TenantID) async throws -> [Server]
    /// One of the caller's servers (404 otherwise).
    func server(_ id: ServerID, for principal: Principal) async throws -> Server
    /// Deletes a server and its disk.
    func delete(_ id: ServerID, actor: Actor) async throws
    /// Nova's createImage: an active image owned by the server's tenant whose lineage records the
    /// server and the image it was booted from.
    func snapshot(_ id: ServerID, name: String, metadata: [String: String], actor: Actor) async throws -> Image
}

/// The GRDB + files implementation.
package struct SQLComputeRepository: ComputeRepository {
    let database: AppDatabase
    let files: DataDirectory
    let clock: PortalClock
    let images: SQLImageRepository

    package init(database: AppDatabase, files: DataDirectory, clock: PortalClock, images: SQLImageRepository) {
        self.database = database
        self.files = files
        self.clock = clock
        self.images = images
    }

    package func create(name: String, imageRef: String, actor: Actor) async throws -> Server {
        let tenant = try ComputeRules.requireTenant(actor.principal)
        let name = try ComputeRules.serverName(name)
        let notFound = DomainError.invalid("Image \(imageRef.prefix(64)) could not be found.")
        guard let imageID = ImageID(rawValue: imageRef) else { throw notFound }
        let now = clock.now()
        let id = ServerID.generate()
        let disk = files.serverDiskPath(id)
        return try await database.writer.write { db in
            let image: Image
            do {
                (image, _) = try images.authorize(db, imageID, .boot, actor.principal)
            } catch DomainError.notFound {
                throw notFound
            }
            try ImageRules.requireBootable(image)
            let server = Server(id: id, tenant: tenant, name: name, imageID: image.id, diskSize: image.size ?? 0, createdAt: now, updatedAt: now)
            try ServerRecord(server).insert(db)
            try db.audit(
                AuditEvent(
                    at: now, type: .serverCreated, actor: actor, imageID: image.id, otherTenant: tenant,
                    after: AuditJSON.encode(["server_id": id.rawValue, "name": name]), detail: "booted from image \(image.id)"))
            try FileOps.cloneFile(files.imagePath(image.id), to: disk, temporary: files.newTemporaryPath())
            return server
        }
    }

    package func servers(of tenant: TenantID) async throws -> [Server] {
        try await database.reader.read { db in
            try ServerRecord.filter(ServerRecord.Columns.tenant == tenant.rawValue && ServerRecord.Columns.status != "DELETED")
                .order(ServerRecord.Columns.createdAt.desc).fetchAll(db).compactMap(\.server)
        }
    }

    package func server(_ id: ServerID, for principal: Principal) async throws -> Server {
        try await database.reader.read { db in try load(db, id, principal) }
    }

    private func load(_ db: Database, _ id: ServerID, _ principal: Principal) throws -> Server {
        guard let record = try ServerRecord.fetchOne(db, key: id.rawValue), record.status != "DELETED", let server = record.server,
            server.tenant == principal.tenantID || principal.readsAcrossTenants
        else { throw DomainError.notFound("No server with ID \(id).") }
        return server
    }

    package func delete(_ id: ServerID, actor: Actor) async throws {
        let now = clock.now()
        try await database.writer.write { db in
            guard !actor.principal.isSupport else { throw DomainError.forbidden("Support staff have read-only access.") }
            let server = try load(db, id, actor.principal)
            try db.execute(sql: "UPDATE servers SET status = 'DELETED', deleted_at = ?, updated_at = ? WHERE id = ?", arguments: [now, now, id.rawValue])
            try db.audit(
                AuditEvent(
                    at: now, type: .serverDeleted, actor: actor, imageID: server.imageID, otherTenant: server.tenant,
                    before: AuditJSON.encode(["server_id": id.rawValue, "name": server.name])))
        }
        FileOps.remove(files.serverDiskPath(id))
    }

    package func snapshot(_ id: ServerID, name: String, metadata: [String: String], actor: Actor) async throws -> Image {
        let now = clock.now()
        let tenant = try ComputeRules.requireTenant(actor.principal)
        let imageID = ImageID.generate()
        return try await database.writer.write { db in
            let server = try load(db, id, actor.principal)
            guard server.tenant == tenant else { throw DomainError.notFound("No server with ID \(id).") }
            guard let boot = try ImageRecord.fetchOne(db, key: server.imageID.rawValue)?.image else {
                throw DomainError.notFound("The server's boot image \(server.imageID) is missing.")
            }
            var draft = try ComputeRules.snapshotDraft(of: server, boot: boot, name: name, metadata: metadata)
            draft.id = imageID
            let queued = try ImageRules.newImage(draft, by: actor.principal, now: now, origin: .snapshot(server: server.id, bootImage: boot.id))
            guard let checksum = boot.checksum, let sha512 = boot.osHashValue, let size = boot.size else {
                throw DomainError.conflict("The server's boot image has no data to snapshot.")
            }
            let image = ImageRules.activating(queued, with: ImageDataFacts(size: size, checksum: checksum, sha512: sha512, virtualSize: boot.virtualSize), now: now)
            try ImageRecord(image).insert(db)
            try db.audit(
                AuditEvent(
                    at: now, type: .snapshotCreated, actor: actor, imageID: image.id, imageOwner: image.owner,
                    after: AuditJSON.encode(["name": image.name, "server_id": server.id.rawValue, "boot_image_id": boot.id.rawValue]),
                    detail: "snapshot of server \(server.id), booted from image \(boot.id) owned by tenant \(boot.owner)"))
            // The local provider's disks are never written, so the disk is the boot image's data.
            try FileOps.cloneFile(files.serverDiskPath(server.id), to: files.imagePath(image.id), temporary: files.newTemporaryPath())
            return image
        }
    }
}
