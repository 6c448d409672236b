import Foundation
import GRDB
package import NIOCore
package import PortalDomain

/// Each tenant's containers and objects (a Swift-style object store). Object data is streamed
/// into a temporary file, then moved into place in the same transaction that records it.
package protocol ObjectRepository: Sendable {
    /// The tenant's containers, by name, one listing page (`prefix`, `marker`, `end_marker`, `limit`).
    func containers(of tenant: TenantID, _ listing: ObjectListing) async throws -> [ContainerSummary]
    /// One container, or nil.
    func container(_ name: String, of tenant: TenantID) async throws -> ContainerSummary?
    /// Creates a container; returns false when it already existed.
    func createContainer(_ name: String, for tenant: TenantID) async throws -> Bool
    /// Deletes an empty container (404 missing, 409 not empty).
    func deleteContainer(_ name: String, of tenant: TenantID) async throws
    /// A listing page of a container (404 if the container is missing).
    func list(_ container: String, of tenant: TenantID, _ listing: ObjectListing) async throws -> [ListingEntry]
    /// Stores an object from a stream; `expectedETag` (MD5 hex) mismatch is refused with nothing kept.
    func put<Body: AsyncSequence>(
        _ body: Body, container: String, name: String, contentType: String, expectedETag: String?, for tenant: TenantID
    ) async throws -> StoredObject where Body.Element == ByteBuffer
    /// An object and a reader over its data.
    func open(_ container: String, _ name: String, of tenant: TenantID) async throws -> (object: StoredObject, path: String)
    /// An object's metadata.
    func object(_ container: String, _ name: String, of tenant: TenantID) async throws -> StoredObject
    /// Deletes an object (404 when missing).
    func delete(_ container: String, _ name: String, of tenant: TenantID) async throws
    /// Account totals: containers, objects, bytes.
    func usage(of tenant: TenantID) async throws -> (containers: Int, objects: Int, bytes: Int64)
}

extension ObjectRepository {
    /// The tenant's containers, by name (the first 10,000).
    package func containers(of tenant: TenantID) async throws -> [ContainerSummary] {
        try await containers(of: tenant, ObjectListing())
    }
}

/// The GRDB + files implementation.
package struct SQLObjectRepository: ObjectRepository {
    let database: AppDatabase
    let files: DataDirectory
    let clock: PortalClock
    let settings: StorageSettings

    package init(database: AppDatabase, files: DataDirectory, clock: PortalClock, settings: StorageSettings) {
        self.database = database
        self.files = files
        self.clock = clock
        self.settings = settings
    }

    package func containers(of tenant: TenantID, _ listing: ObjectListing) async throws -> [ContainerSummary] {
        try await database.reader.read { db in
            var sql = Self.summarySQL + " WHERE c.tenant = ?"
            var arguments: StatementArguments = [tenant.rawValue]
            if let prefix = listing.prefix {
                sql += " AND substr(c.name, 1, length(?)) = ?"
                arguments += [prefix, prefix]
            }
            if let marker = listing.marker {
                sql += " AND c.name > ?"
                arguments += [marker]
            }
            if let endMarker = listing.endMarker {
                sql += " AND c.name < ?"
                arguments += [endMarker]
            }
            sql += " GROUP BY c.name ORDER BY c.name LIMIT ?"
            arguments += [listing.limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.summary)
        }
    }

    package func container(_ name: String, of tenant: TenantID) async throws -> ContainerSummary? {
        try await database.reader.read { db in
            try Row.fetchOne(db, sql: Self.summarySQL + " WHERE c.tenant = ? AND c.name = ? GROUP BY c.name", arguments: [tenant.rawValue, name])
                .map(Self.summary)
        }
    }

    private static let summarySQL = """
        SELECT c.name, c.created_at, COUNT(o.name) AS count, COALESCE(SUM(o.size), 0) AS bytes,
               COALESCE(MAX(o.updated_at), c.created_at) AS last_modified
        FROM containers c LEFT JOIN objects o ON o.tenant = c.tenant AND o.container = c.name
        """

    private static func summary(_ row: Row) -> ContainerSummary {
        ContainerSummary(name: row["name"], objectCount: row["count"], bytes: row["bytes"], createdAt: row["created_at"], lastModified: row["last_modified"])
    }

    package func createContainer(_ name: String, for tenant: TenantID) async throws -> Bool {
        let name = try ObjectNames.container(name)
        let now = clock.now()
        return try await database.writer.write { db in
            guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": name]) == nil else { return false }
            try ContainerRecord(tenant: tenant.rawValue, name: name, createdAt: now).insert(db)
            return true
        }
    }

    package func deleteContainer(_ name: String, of tenant: TenantID) async throws {
        try await database.writer.write { db in
            guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": name]) != nil else {
                throw DomainError.notFound("No container '\(name.prefix(256))'.")
            }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects WHERE tenant = ? AND container = ?", arguments: [tenant.rawValue, name]) ?? 0
            guard count == 0 else { throw DomainError.conflict("Container '\(name.prefix(256))' is not empty (\(count) objects): delete its objects first.") }
            _ = try ContainerRecord.deleteOne(db, key: ["tenant": tenant.rawValue, "name": name])
        }
    }

    package func list(_ container: String, of tenant: TenantID, _ listing: ObjectListing) async throws -> [ListingEntry] {
        try await database.reader.read { db in
            guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": container]) != nil else {
                throw DomainError.notFound("No container '\(container.prefix(256))'.")
            }
            var sql = "SELECT * FROM objects WHERE tenant = ? AND container = ?"
            var arguments: StatementArguments = [tenant.rawValue, container]
            if let prefix = listing.prefix {
                sql += " AND substr(name, 1, length(?)) = ?"
                arguments += [prefix, prefix]
            }
            if let marker = listing.marker {
                sql += " AND name > ?"
                arguments += [marker]
            }
            if let endMarker = listing.endMarker {
                sql += " AND name < ?"
                arguments += [endMarker]
            }
            sql += " ORDER BY name"
            guard let delimiter = listing.delimiter else {
                sql += " LIMIT ?"
                arguments += [listing.limit]
                return try ObjectRecord.fetchAll(db, sql: sql, arguments: arguments).map { .object($0.object) }
            }
            // With a delimiter, names that continue past it fold into one pseudo-directory entry.
            var entries: [ListingEntry] = []
            let prefixLength = listing.prefix?.count ?? 0
            let cursor = try ObjectRecord.fetchCursor(db, sql: sql, arguments: arguments)
            while let record = try cursor.next() {
                if entries.count >= listing.limit { break }
                let rest = record.name.dropFirst(prefixLength)
                if let range = rest.range(of: delimiter) {
                    let directory = String(record.name.prefix(prefixLength)) + String(rest[..<range.upperBound])
                    if case .subdirectory(directory)? = entries.last { continue }
                    if let marker = listing.marker, directory <= marker { continue }
                    entries.append(.subdirectory(directory))
                } else {
                    entries.append(.object(record.object))
                }
            }
            return entries
        }
    }

    package func put<Body: AsyncSequence>(
        _ body: Body, container: String, name: String, contentType: String, expectedETag: String?, for tenant: TenantID
    ) async throws -> StoredObject where Body.Element == ByteBuffer {
        let name = try ObjectNames.object(name)
        guard try await self.container(container, of: tenant) != nil else { throw DomainError.notFound("No container '\(container.prefix(256))'.") }
        let staged = try await Staging.stage(
            body, to: files.newTemporaryPath(), policy: StagingPolicy(maxBytes: settings.uploadSizeCap, declaredFormat: nil, sha512: false))
        do {
            if let expectedETag, expectedETag.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\"")) != staged.md5 {
                throw DomainError.invalid("The ETag sent (\(expectedETag.prefix(64))) does not match the MD5 of the data received (\(staged.md5)); nothing was stored.")
            }
            return try await record(staged: staged, container: container, name: name, contentType: contentType, sourceImage: nil, tenant: tenant)
        } catch {
            FileOps.remove(staged.path)
            throw error
        }
    }

    /// Records staged data as an object, replacing any object of that name, in one transaction.
    func record(staged: StagedData, container: String, name: String, contentType: String, sourceImage: ImageID?, tenant: TenantID) async throws -> StoredObject {
        let now = clock.now()
        let blob = UUID().uuidString.lowercased()
        let destination = files.objectPath(tenant: tenant, blob: blob)
        let replaced = try await database.writer.write { db -> String? in
            try Self.insertObject(
                db, staged: staged, blob: blob, destination: destination, container: container, name: name, contentType: contentType,
                sourceImage: sourceImage, tenant: tenant, now: now)
        }
        if let replaced { FileOps.remove(files.objectPath(tenant: tenant, blob: replaced)) }
        return StoredObject(container: container, name: name, size: staged.size, etag: staged.md5, contentType: contentType, lastModified: now, sourceImage: sourceImage)
    }

    /// Inside a transaction: upserts the row and moves the blob into place. Returns the replaced blob, if any.
    static func insertObject(
        _ db: Database, staged: StagedData, blob: String, destination: String, container: String, name: String, contentType: String,
        sourceImage: ImageID?, tenant: TenantID, now: Date
    ) throws -> String? {
        guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": container]) != nil else {
            throw DomainError.notFound("No container '\(container.prefix(256))'.")
        }
        let existing = try ObjectRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "container": container, "name": name])
        let record = ObjectRecord(
            tenant: tenant.rawValue, container: container, name: name, blob: blob, size: staged.size, etag: staged.md5,
            contentType: contentType, sourceImageID: sourceImage?.rawValue, createdAt: existing?.createdAt ?? now, updatedAt: now)
        try record.save(db)
        try FileOps.moveIntoPlace(staged.path, destination)
        return existing?.blob
    }

    package func open(_ container: String, _ name: String, of tenant: TenantID) async throws -> (object: StoredObject, path: String) {
        let record = try await fetch(container, name, tenant)
        return (record.object, files.objectPath(tenant: tenant, blob: record.blob))
    }

    package func object(_ container: String, _ name: String, of tenant: TenantID) async throws -> StoredObject {
        try await fetch(container, name, tenant).object
    }

    private func fetch(_ container: String, _ name: String, _ tenant: TenantID) async throws -> ObjectRecord {
        try await database.reader.read { db in
            guard let record = try ObjectRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "container": container, "name": name]) else {
                throw DomainError.notFound("No object '\(name.prefix(256))' in container '\(container.prefix(256))'.")
            }
            return record
        }
    }

    package func delete(_ container: String, _ name: String, of tenant: TenantID) async throws {
        let blob = try await database.writer.write { db -> String in
            guard let record = try ObjectRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "container": container, "name": name]) else {
                throw DomainError.notFound("No object '\(name.prefix(256))' in container '\(container.prefix(256))'.")
            }
            try record.delete(db)
            return record.blob
        }
        FileOps.remove(files.objectPath(tenant: tenant, blob: blob))
    }

    package func usage(of tenant: TenantID) async throws -> (containers: Int, objects: Int, bytes: Int64) {
        try await database.reader.read { db in
            let containers = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM containers WHERE tenant = ?", arguments: [tenant.rawValue]) ?? 0
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM objects WHERE tenant = ?", arguments: [tenant.rawValue])
            return (containers, row?["n"] ?? 0, row?["bytes"] ?? 0)
        }
    }
}
