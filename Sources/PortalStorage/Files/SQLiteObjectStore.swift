import Foundation
import GRDB
package import NIOCore
package import PortalCore
package import PortalDomain

/// Each tenant's containers and objects, with their names in the database and their bytes in blob
/// files named by generated IDs (`objects/<ddi>/<2-hex>/<blob>`): no client string reaches a path.
/// An object's data is streamed into `tmp/`, then moved into place in the transaction that records it.
package struct SQLiteObjectStore: ObjectStore {
    let database: AppDatabase
    let files: DataDirectory
    let clock: PortalClock

    package init(database: AppDatabase, files: DataDirectory, clock: PortalClock) {
        self.database = database
        self.files = files
        self.clock = clock
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

    package func createContainer(_ name: String, of tenant: TenantID) async throws -> Bool {
        let now = clock.now()
        return try await database.writer.write { db in
            guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": name]) == nil else { return false }
            try ContainerRecord(tenant: tenant.rawValue, name: name, createdAt: now).insert(db)
            return true
        }
    }

    package func deleteContainer(_ name: String, of tenant: TenantID) async throws -> ContainerDeletion {
        try await database.writer.write { db in
            guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": name]) != nil else { return .missing }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects WHERE tenant = ? AND container = ?", arguments: [tenant.rawValue, name]) ?? 0
            guard count == 0 else { return .notEmpty(objects: count) }
            _ = try ContainerRecord.deleteOne(db, key: ["tenant": tenant.rawValue, "name": name])
            return .deleted
        }
    }

    package func objects(in container: String, of tenant: TenantID, _ listing: ObjectListing) async throws -> [ListingEntry]? {
        try await database.reader.read { db in
            guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": container]) != nil else { return nil }
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
        _ body: Body, container: String, name: String, contentType: String, sourceImage: ImageID?, expected: ExpectedData, of tenant: TenantID
    ) async throws -> StoredObject? where Body.Element == ByteBuffer {
        guard try await self.container(container, of: tenant) != nil else { return nil }
        let staged = try await FileOps.storeFailures { try await Staging.stage(body, to: files.newTemporaryPath(), sha512: false) }
        do {
            if let md5 = expected.md5, md5 != staged.md5 { throw ChecksumMismatch(received: staged.md5) }
            let now = clock.now()
            let blob = UUID().uuidString.lowercased()
            let destination = files.objectPath(tenant: tenant, blob: blob)
            let outcome = try await database.writer.write { db -> (stored: Bool, replaced: String?) in
                guard try ContainerRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "name": container]) != nil else { return (false, nil) }
                let existing = try ObjectRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "container": container, "name": name])
                let record = ObjectRecord(
                    tenant: tenant.rawValue, container: container, name: name, blob: blob, size: staged.size, etag: staged.md5,
                    contentType: contentType, sourceImageID: sourceImage?.rawValue, createdAt: existing?.createdAt ?? now, updatedAt: now)
                try record.save(db)
                // The rename happens inside the transaction: if it fails, nothing commits.
                try FileOps.storeFailures { try FileOps.moveIntoPlace(staged.path, destination) }
                return (true, existing?.blob)
            }
            guard outcome.stored else {
                FileOps.remove(staged.path)
                return nil
            }
            if let replaced = outcome.replaced { FileOps.remove(files.objectPath(tenant: tenant, blob: replaced)) }
            return StoredObject(
                container: container, name: name, size: staged.size, etag: staged.md5, contentType: contentType, lastModified: now, sourceImage: sourceImage)
        } catch {
            FileOps.remove(staged.path)
            throw error
        }
    }

    package func object(_ name: String, in container: String, of tenant: TenantID) async throws -> StoredObject? {
        try await record(name, container, tenant)?.object
    }

    package func open(_ name: String, in container: String, of tenant: TenantID) async throws -> OpenedObject? {
        guard let record = try await record(name, container, tenant) else { return nil }
        let object = record.object
        guard object.size > 0 else { return OpenedObject(object: object) { _, _ in .empty } }
        // Opened now, so that a replacement or delete cannot take the bytes away mid-read.
        let chunks = try FileOps.storeFailures { try FileChunks(path: files.objectPath(tenant: tenant, blob: record.blob), length: object.size) }
        return OpenedObject(object: object) { offset, length in ByteStream(chunks.slice(offset: offset, length: length)) }
    }

    private func record(_ name: String, _ container: String, _ tenant: TenantID) async throws -> ObjectRecord? {
        try await database.reader.read { db in
            try ObjectRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "container": container, "name": name])
        }
    }

    package func deleteObject(_ name: String, in container: String, of tenant: TenantID) async throws -> Bool {
        let blob = try await database.writer.write { db -> String? in
            guard let record = try ObjectRecord.fetchOne(db, key: ["tenant": tenant.rawValue, "container": container, "name": name]) else { return nil }
            try record.delete(db)
            return record.blob
        }
        guard let blob else { return false }
        FileOps.remove(files.objectPath(tenant: tenant, blob: blob))
        return true
    }

    package func usage(of tenant: TenantID) async throws -> ObjectUsage {
        try await database.reader.read { db in
            let containers = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM containers WHERE tenant = ?", arguments: [tenant.rawValue]) ?? 0
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM objects WHERE tenant = ?", arguments: [tenant.rawValue])
            return ObjectUsage(containers: containers, objects: row?["n"] ?? 0, bytes: row?["bytes"] ?? 0)
        }
    }
}
