import Foundation
package import PortalApp
package import PortalCore
package import PortalDomain
package import PortalStorage
import GRDB
import Logging
import PostgresNIO

/// The stores the tests run against. By default the embedded ones (SQLite in memory, files in a
/// temporary directory); with `PORTAL_TEST_BACKEND=postgres+swift`, the real PostgreSQL and Swift that
/// `scripts/engines/with-engines.sh` starts (`PORTAL_TEST_POSTGRES_URL`, `PORTAL_TEST_SWIFT_*`), every
/// world in a schema and Swift namespace of its own, so the suites run in parallel as they do on SQLite.
package enum TestBackend: Sendable {
    case embedded
    case cluster(postgres: PortalStorage.PostgresDatabase.Location, swift: SwiftConfiguration)

    /// The backend the environment names.
    package static let current: TestBackend = {
        let environment = ProcessInfo.processInfo.environment
        switch environment["PORTAL_TEST_BACKEND"] ?? "sqlite+files" {
        case "sqlite+files", "":
            return .embedded
        case "postgres+swift":
            guard let url = environment["PORTAL_TEST_POSTGRES_URL"], let postgres = PortalStorage.PostgresDatabase.Location(url: url),
                let auth = environment["PORTAL_TEST_SWIFT_AUTH_URL"].flatMap(URL.init(string:)), let user = environment["PORTAL_TEST_SWIFT_USER"],
                let key = environment["PORTAL_TEST_SWIFT_KEY"]
            else {
                fatalError("PORTAL_TEST_BACKEND=postgres+swift needs PORTAL_TEST_POSTGRES_URL and PORTAL_TEST_SWIFT_*: run the tests under scripts/engines/with-engines.sh")
            }
            let swift = SwiftConfiguration(
                authURL: auth, user: user, key: key, resellerPrefix: environment["PORTAL_TEST_SWIFT_RESELLER_PREFIX"] ?? "AUTH_",
                segmentSize: 1 << 20, containerPrefix: "portal")
            return .cluster(postgres: postgres, swift: swift)
        case let other:
            fatalError("PORTAL_TEST_BACKEND must be sqlite+files or postgres+swift, not \(other)")
        }
    }()

    /// Whether the tests run on the embedded stores.
    package var isEmbedded: Bool {
        if case .embedded = self { true } else { false }
    }

    /// Fresh, empty stores for one world.
    package func dependencies(settings: CoreSettings, clock: PortalClock?) async throws -> AppDependencies {
        let fixed = Date(timeIntervalSince1970: 1_767_225_600)
        let clock = clock ?? PortalClock { fixed }
        switch self {
        case .embedded:
            return try AppDependencies.testing(settings: settings, clock: clock)
        case .cluster(var postgres, var swift):
            let world = "w" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
            postgres.schema = world
            swift.containerPrefix = world
            swift.resellerPrefix += world + "_"
            let database = try await PortalStorage.PostgresDatabase.open(postgres, maxConnections: 4)
            return try await AppDependencies.cluster(
                postgres: database, swift: try await SwiftStores.open(swift), files: try AppDependencies.temporaryDirectory(), clock: clock,
                settings: settings)
        }
    }
}

extension TestWorld {
    /// What the blob store holds: the image and disk data by key, and any leftovers of writes.
    package func blobInventory() async throws -> StoreInventory {
        switch dependencies.backend {
        case .embedded(_, let blobs, _): try blobs.inventory()
        case .cluster(_, let blobs, _): try await blobs.inventory()
        }
    }

    /// What a tenant's file containers hold: the object count, and any leftovers of writes.
    package func objectInventory(of tenant: TenantID) async throws -> StoreInventory {
        switch dependencies.backend {
        case .embedded(_, _, let objects): try await objects.inventory(of: tenant)
        case .cluster(_, _, let objects): try await objects.inventory(of: tenant)
        }
    }

    /// The bytes stored for a blob, or nil when there is none.
    package func blobBytes(_ key: BlobKey) async throws -> [UInt8]? {
        let inventory = try await blobInventory()
        switch key {
        case .image(let id): guard inventory.images.contains(id) else { return nil }
        case .serverDisk(let id): guard inventory.serverDisks.contains(id) else { return nil }
        }
        var bytes: [UInt8] = []
        for try await buffer in try await useCases.core.blobs.read(key, offset: 0, length: try await blobSize(key)) { bytes += buffer.readableBytesView }
        return bytes
    }

    private func blobSize(_ key: BlobKey) async throws -> Int64 {
        switch dependencies.backend {
        case .embedded(_, let blobs, _): return try blobs.size(key)
        case .cluster(_, let blobs, _): return try await blobs.size(key)
        }
    }

    /// No leftovers anywhere: no staged file, no segment of an unfinished write.
    package func leftovers() async throws -> [String] {
        try await blobInventory().leftovers
    }
}

extension TestWorld {
    /// One row as the database stores it, every column as text (a blob as `\x` and hex, as PostgreSQL
    /// writes bytea), NULLs left out: for tests that check what is, and is not, written down.
    package func storedRow(_ table: String, id: String) async throws -> [String: String]? {
        switch dependencies.backend {
        case .embedded(let database, _, _):
            return try await database.reader.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE id = ?", arguments: [id]) else { return nil }
                var columns: [String: String] = [:]
                for column in row.columnNames {
                    let value: DatabaseValue = row[column]
                    switch value.storage {
                    case .null: continue
                    case .int64(let number): columns[column] = String(number)
                    case .double(let number): columns[column] = String(number)
                    case .string(let text): columns[column] = text
                    case .blob(let data): columns[column] = "\\x" + data.map { String(format: "%02x", $0) }.joined()
                    }
                }
                return columns
            }
        case .cluster(let database, _, _):
            let rows = try await database.client.query(
                PostgresQuery(unsafeSQL: "SELECT to_jsonb(t)::text FROM \(table) t WHERE id = $1", binds: try Self.binds([id])), logger: Logger(label: "test"))
            for try await text in rows.decode(String.self) {
                guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
                return object.compactMapValues { value -> String? in
                    if value is NSNull { return nil }
                    return (value as? String) ?? "\(value)"
                }
            }
            return nil
        }
    }

    /// Runs one statement straight on the database (`?` placeholders, text arguments): for tests that
    /// set up what only a crash or another instance could leave behind.
    package func executeSQL(_ sql: String, _ arguments: [String]) async throws {
        switch dependencies.backend {
        case .embedded(let database, _, _):
            try await database.writer.write { db in try db.execute(sql: sql, arguments: StatementArguments(arguments)) }
        case .cluster(let database, _, _):
            var numbered = ""
            var index = 0
            for character in sql {
                if character == "?" {
                    index += 1
                    numbered += "$\(index)"
                } else {
                    numbered.append(character)
                }
            }
            try await database.client.query(PostgresQuery(unsafeSQL: numbered, binds: try Self.binds(arguments)), logger: Logger(label: "test"))
        }
    }

    private static func binds(_ arguments: [String]) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for argument in arguments { binds.append(argument) }
        return binds
    }
}
