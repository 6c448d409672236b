package import GRDB
import Foundation

/// The portal's one SQLite database: WAL, foreign keys on, `synchronous=FULL`, a busy timeout,
/// one writer and many readers (a GRDB `DatabasePool`). Every multi-step change is one `write`.
package final class AppDatabase: Sendable {
    /// The connection pool (or an in-memory queue in tests).
    package let writer: any DatabaseWriter

    /// Wraps a writer and brings its schema up to date.
    package init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Read access for repositories.
    package var reader: any DatabaseReader { writer }

    /// Opens (creating if needed) the database file at `path` as a WAL pool.
    package static func open(path: String) throws -> AppDatabase {
        let pool = try DatabasePool(path: path, configuration: configuration())
        // GRDB turns WAL on after `prepareDatabase` and sets the writer to synchronous=NORMAL as it
        // does so; every commit must reach the disk, so the writer goes back to FULL.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return try AppDatabase(pool)
    }

    /// A private in-memory database (tests, benchmarks of the rules).
    package static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue(configuration: configuration()))
    }

    /// The connection settings every connection gets.
    package static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "portal"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// The schema's migrations. Each is named "YYYY-MM-DD description" and never edited once shipped.
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        Migrations.register(in: &migrator)
        return migrator
    }

    /// Whether the database answers (the readiness probe).
    package func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
