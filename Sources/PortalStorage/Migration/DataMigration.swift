import Foundation
import GRDB
import Logging
import NIOCore
import NIOHTTP1
package import PortalCore
import PortalCrypto
import PortalDomain
import PostgresNIO

/// Moves a single-node installation (SQLite and the files of its data directory) onto a cluster
/// (PostgreSQL and Swift): every row, every image's data, every server disk, every file container
/// and object, each checksum verified. Every step is idempotent, so a run that stopped half way is
/// simply run again: it copies only what is missing. The source must not be serving meanwhile.
package struct DataMigration: Sendable {
    let source: AppDatabase
    let files: DataDirectory
    let target: PostgresDatabase
    let blobs: SwiftBlobStore
    let objects: SwiftObjectStore
    let progress: @Sendable (String) -> Void

    package init(
        source: AppDatabase, files: DataDirectory, target: PostgresDatabase, blobs: SwiftBlobStore, objects: SwiftObjectStore,
        progress: @escaping @Sendable (String) -> Void
    ) {
        self.source = source
        self.files = files
        self.target = target
        self.blobs = blobs
        self.objects = objects
        self.progress = progress
    }

    /// What one run did.
    package struct Report: Sendable, Equatable {
        /// Rows inserted, by table (rows already there are not counted).
        package var rows: [String: Int] = [:]
        package var imagesCopied = 0
        package var imagesPresent = 0
        package var disksCopied = 0
        package var disksPresent = 0
        package var containers = 0
        package var objectsCopied = 0
        package var objectsPresent = 0
        package var bytesCopied: Int64 = 0
        /// What could not be moved, with why (a checksum that does not match, a missing file).
        package var problems: [String] = []

        /// Whether this run found nothing left to copy.
        package var wasComplete: Bool {
            rows.values.allSatisfy { $0 == 0 } && imagesCopied == 0 && disksCopied == 0 && objectsCopied == 0
        }
    }

    /// A target that holds another installation's data.
    package struct TargetInUse: Error, CustomStringConvertible {
        package var description: String
    }

    /// The tables copied, parents before children. Containers and objects are not rows on the
    /// cluster: they go to Swift. Leases, sign-in failures and the schema's bookkeeping stay behind.
    static let tables: [(name: String, key: [String])] = [
        ("tenants", ["ddi"]), ("staff", ["name"]), ("tokens", ["id"]), ("images", ["id"]), ("image_members", ["image_id", "member"]),
        ("share_grants", ["image_id", "member"]), ("servers", ["id"]), ("tasks", ["id"]), ("audit_events", ["id"]), ("ended_sessions", ["sid"]),
    ]

    /// Columns written in a second pass, once every row of the table is there (an image's parent may
    /// sort after it).
    static let laterColumns: [String: String] = ["images": "parent_image_id"]

    package func run() async throws -> Report {
        var report = Report()
        try await claimTarget()
        try await copySessionKeys()
        for table in Self.tables {
            report.rows[table.name] = try await copyRows(table.name, key: table.key)
        }
        try await target.client.query(
            "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), GREATEST((SELECT MAX(id) FROM audit_events), 1))", logger: target.logger)
        try await copyImages(&report)
        try await copyDisks(&report)
        try await copyObjects(&report)
        return report
    }

    // MARK: The target

    /// Makes the target this installation's, or refuses one that holds another's data.
    func claimTarget() async throws {
        let id = try await source.reader.read { db in try String.fetchOne(db, sql: "SELECT id FROM installation") } ?? ""
        var existing: String?
        for try await found in try await target.client.query("SELECT id FROM installation", logger: target.logger).decode(String.self) { existing = found }
        if existing == id { return }
        var held: [String] = []
        for (table, noun) in [("tenants", "tenants"), ("staff", "staff accounts"), ("tokens", "tokens"), ("images", "images")] {
            let rows = try await target.client.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: target.logger)
            for try await count in rows.decode(Int64.self) where count > 0 { held.append("\(count) \(noun)") }
        }
        guard held.isEmpty else {
            throw TargetInUse(
                description: "The target database holds another installation (\(held.joined(separator: ", "))). Migrate into an empty database, "
                    + "before any instance has started on it.")
        }
        try await target.client.query(
            """
            INSERT INTO installation (singleton, id, created_at) VALUES (TRUE, \(id), now())
            ON CONFLICT (singleton) DO UPDATE SET id = EXCLUDED.id
            """, logger: target.logger)
    }

    /// The session keys of the data directory, so that cookies issued by the single node stay valid.
    func copySessionKeys() async throws {
        guard let text = try? String(contentsOfFile: files.secretsPath + "/session-keys", encoding: .utf8) else { return }
        let keys = text.split(whereSeparator: \.isNewline).compactMap { ByteEncoding.fromBase64url(String($0).trimmingCharacters(in: .whitespaces)) }
        for (index, key) in keys.enumerated() where key.count >= 32 {
            try await target.client.query(
                "INSERT INTO session_keys (id, key, created_at) VALUES (\(index + 1), \(ByteBuffer(bytes: key)), now()) ON CONFLICT (id) DO NOTHING",
                logger: target.logger)
        }
    }

    // MARK: Rows

    /// Copies a table in pages along its key; returns the rows inserted.
    func copyRows(_ table: String, key: [String]) async throws -> Int {
        let types = try await columnTypes(table)
        let later = Self.laterColumns[table]
        let columns = types.map(\.name).filter { $0 != later }
        let keyList = key.joined(separator: ", ")
        var after: [DatabaseValue]?
        var inserted = 0
        var deferred: [(id: String, value: String)] = []
        while true {
            let condition = after.map { _ in "WHERE (\(keyList)) > (\(key.map { _ in "?" }.joined(separator: ", ")))" } ?? ""
            let arguments = StatementArguments(after ?? [])
            let page = try source.reader.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) \(condition) ORDER BY \(keyList) LIMIT 500", arguments: arguments)
            }
            guard let last = page.last else { break }
            after = key.map { last[$0] }
            inserted += try await insert(page, into: table, columns: columns, types: Dictionary(uniqueKeysWithValues: types.map { ($0.name, $0.type) }))
            if let later {
                for row in page {
                    if let id = String.fromDatabaseValue(row["id"]), let value = String.fromDatabaseValue(row[later]) { deferred.append((id, value)) }
                }
            }
        }
        for (id, value) in deferred {
            try await target.client.query(
                PostgresQuery(unsafeSQL: "UPDATE \(table) SET \(later ?? "") = $2 WHERE id = $1 AND \(later ?? "") IS NULL", binds: try binds([id, value])),
                logger: target.logger)
        }
        if inserted > 0 { progress("\(table): \(inserted) rows") }
        return inserted
    }

    /// The target's columns of a table that the source has too, with their PostgreSQL types.
    func columnTypes(_ table: String) async throws -> [(name: String, type: String)] {
        let sourceColumns = try await source.reader.read { db in Set(try db.columns(in: table).map(\.name)) }
        var result: [(String, String)] = []
        let rows = try await target.client.query(
            """
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = \(target.schema) AND table_name = \(table) ORDER BY ordinal_position
            """, logger: target.logger)
        for try await (name, type) in rows.decode((String, String).self) where sourceColumns.contains(name) { result.append((name, type)) }
        return result
    }

    /// Inserts rows (those already there are left as they are); returns how many were new.
    func insert(_ rows: [Row], into table: String, columns: [String], types: [String: String]) async throws -> Int {
        var inserted = 0
        for chunk in stride(from: 0, to: rows.count, by: 100).map({ rows[$0..<min($0 + 100, rows.count)] }) {
            var bindings = PostgresBindings()
            var tuples: [String] = []
            for row in chunk {
                var placeholders: [String] = []
                for column in columns {
                    let type = types[column] ?? "text"
                    try Self.bind(row[column], as: type, into: &bindings, column: "\(table).\(column)")
                    placeholders.append("$\(bindings.count)::\(Self.cast(type))")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", ")) ON CONFLICT DO NOTHING RETURNING 1"
            for try await _ in try await target.client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: target.logger) { inserted += 1 }
        }
        return inserted
    }

    static func cast(_ type: String) -> String {
        switch type {
        case "timestamp with time zone": "timestamptz"
        case "jsonb": "jsonb"
        case "bytea": "bytea"
        case "boolean": "boolean"
        case "bigint": "bigint"
        case "integer": "integer"
        default: "text"
        }
    }

    /// Binds one SQLite value as the PostgreSQL column's type.
    static func bind(_ value: DatabaseValue, as type: String, into bindings: inout PostgresBindings, column: String) throws {
        if value.isNull {
            bindings.appendNull()
            return
        }
        switch type {
        case "timestamp with time zone":
            guard let date = Date.fromDatabaseValue(value) else { throw StoreFailure("\(column) holds a time that does not parse") }
            bindings.append(date)
        case "boolean":
            guard let flag = Bool.fromDatabaseValue(value) else { throw StoreFailure("\(column) holds a flag that is not 0 or 1") }
            bindings.append(flag)
        case "bigint", "integer":
            guard let number = Int64.fromDatabaseValue(value) else { throw StoreFailure("\(column) holds a number that does not parse") }
            bindings.append(number)
        case "bytea":
            guard let data = Data.fromDatabaseValue(value) else { throw StoreFailure("\(column) holds bytes that do not parse") }
            bindings.append(ByteBuffer(bytes: data))
        default:
            guard let text = String.fromDatabaseValue(value) else { throw StoreFailure("\(column) holds text that does not parse") }
            bindings.append(text)
        }
    }

    func binds(_ values: [String]) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    // MARK: Bytes

    /// Every image with data: copied unless Swift holds it with the recorded checksum; the copy is
    /// checked against the MD5 (and SHA-512) the image row records.
    func copyImages(_ report: inout Report) async throws {
        let images = try source.reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, size, checksum, os_hash_algo, os_hash_value FROM images
                    WHERE checksum IS NOT NULL AND status NOT IN ('deleted', 'pending_delete') ORDER BY id
                    """)
        }
        for row in images {
            guard let id = ImageID(rawValue: row["id"]), let checksum: String = row["checksum"] else { continue }
            let size: Int64 = row["size"] ?? 0
            let sha512: String? = (row["os_hash_algo"] as String?) == "sha512" ? row["os_hash_value"] : nil
            let key = BlobKey.image(id)
            if let stored = try await blobs.storedFacts(key), stored.size == size, stored.md5 == checksum {
                report.imagesPresent += 1
                continue
            }
            let path = files.imagePath(id)
            guard FileManager.default.fileExists(atPath: path) else {
                report.problems.append("image \(id): its data file is missing from \(files.imagesPath)")
                continue
            }
            await blobs.remove(key)
            do {
                _ = try await blobs.write(try FileChunks(path: path, offset: 0, length: size), to: key, sha512: sha512 != nil) { facts in
                    guard facts.size == size, facts.md5 == checksum, sha512 == nil || facts.sha512 == sha512 else {
                        throw ChecksumMismatch(received: facts.md5)
                    }
                }
                report.imagesCopied += 1
                report.bytesCopied += size
            } catch is ChecksumMismatch {
                report.problems.append("image \(id): its data does not match its recorded size and checksum; not copied")
            }
        }
        if report.imagesCopied > 0 { progress("images: \(report.imagesCopied) copied (\(report.imagesPresent) already there)") }
    }

    /// Every server disk: copied unless Swift holds one of the same size and MD5.
    func copyDisks(_ report: inout Report) async throws {
        let servers = try await source.reader.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM servers WHERE status <> 'DELETED' ORDER BY id")
        }
        for text in servers {
            guard let id = ServerID(rawValue: text) else { continue }
            let path = files.serverDiskPath(id)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { continue }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let md5 = try await Self.md5(of: path, size: size)
            let key = BlobKey.serverDisk(id)
            if let stored = try await blobs.storedFacts(key), stored.size == size, stored.md5 == md5 {
                report.disksPresent += 1
                continue
            }
            await blobs.remove(key)
            _ = try await blobs.write(try FileChunks(path: path, offset: 0, length: size), to: key, sha512: false) { facts in
                guard facts.size == size, facts.md5 == md5 else { throw ChecksumMismatch(received: facts.md5) }
            }
            report.disksCopied += 1
            report.bytesCopied += size
        }
        if report.disksCopied > 0 { progress("server disks: \(report.disksCopied) copied (\(report.disksPresent) already there)") }
    }

    /// Every container (empty ones too) and object, into the tenants' Swift accounts; Swift checks
    /// each object's MD5 against the ETag recorded for it.
    func copyObjects(_ report: inout Report) async throws {
        let containers = try source.reader.read { db in try Row.fetchAll(db, sql: "SELECT tenant, name FROM containers ORDER BY tenant, name") }
        for row in containers {
            guard let tenant = TenantID(rawValue: row["tenant"]) else { continue }
            if try await objects.container(row["name"], of: tenant) == nil {
                _ = try await objects.createContainer(row["name"], of: tenant)
                report.containers += 1
            }
        }
        var after: (String, String, String) = ("", "", "")
        while true {
            let page = try source.reader.read { [after] db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT tenant, container, name, blob, size, etag, content_type, source_image_id FROM objects
                        WHERE (tenant, container, name) > (?, ?, ?) ORDER BY tenant, container, name LIMIT 500
                        """, arguments: [after.0, after.1, after.2])
            }
            guard let last = page.last else { break }
            after = (last["tenant"], last["container"], last["name"])
            for row in page {
                guard let tenant = TenantID(rawValue: row["tenant"]) else { continue }
                let container: String = row["container"]
                let name: String = row["name"]
                let size: Int64 = row["size"]
                let etag: String = row["etag"]
                if let stored = try await objects.object(name, in: container, of: tenant), stored.size == size, stored.etag == etag {
                    report.objectsPresent += 1
                    continue
                }
                let path = files.objectPath(tenant: tenant, blob: row["blob"])
                guard FileManager.default.fileExists(atPath: path) else {
                    report.problems.append("object \(container)/\(name) of tenant \(tenant): its data file is missing")
                    continue
                }
                do {
                    _ = try await objects.put(
                        try FileChunks(path: path, offset: 0, length: size), container: container, name: name, contentType: row["content_type"],
                        sourceImage: (row["source_image_id"] as String?).flatMap(ImageID.init(rawValue:)), expected: ExpectedData(md5: etag, size: size),
                        of: tenant)
                    report.objectsCopied += 1
                    report.bytesCopied += size
                } catch is ChecksumMismatch {
                    report.problems.append("object \(container)/\(name) of tenant \(tenant): its data does not match its recorded ETag; not copied")
                }
            }
        }
        if report.objectsCopied > 0 { progress("objects: \(report.objectsCopied) copied (\(report.objectsPresent) already there)") }
    }

    /// The MD5 of a file, read in chunks.
    static func md5(of path: String, size: Int64) async throws -> String {
        let digest = Digest(.md5)
        for try await buffer in try FileChunks(path: path, offset: 0, length: size) {
            buffer.withUnsafeReadableBytes { digest.update($0) }
        }
        return ByteEncoding.hex(digest.finalize())
    }
}

extension SwiftBlobStore {
    /// The size and MD5 of a blob Swift holds, or nil when it has none.
    package func storedFacts(_ key: BlobKey) async throws -> (size: Int64, md5: String)? {
        let account = try await client.serviceAccount().url
        let (container, name, _) = location(key)
        let answer = try await client.call(.HEAD, SwiftClient.objectURL(account, container, name), expected: [200, 404], what: "HEAD of \(key)")
        guard answer.status == .ok else { return nil }
        return (answer.headers.first(name: "Content-Length").flatMap(Int64.init) ?? 0, answer.headers.first(name: "X-Object-Meta-Portal-Md5") ?? "")
    }
}
