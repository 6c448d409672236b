import Foundation
package import Logging
import NIOSSL
package import PostgresNIO

/// One PostgreSQL database shared by every instance: a bounded `PostgresClient` pool running in the
/// background, and the schema, migrated at start under an advisory lock so that several instances
/// may start at once.
package final class PostgresDatabase: Sendable {
    /// The connection pool.
    package let client: PostgresClient
    /// The schema the tables live in.
    package let schema: String
    let logger: Logger
    private let runner: Task<Void, Never>

    /// Where to connect, from `postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=disable|prefer|require]`.
    package struct Location: Hashable, Sendable {
        package var host: String
        package var port: Int
        package var user: String
        package var password: String?
        package var database: String
        package var sslMode: String
        /// The schema the portal's tables live in (`?schema=NAME`; default `public`), created if missing.
        package var schema: String?

        /// Parses a `postgres://` (or `postgresql://`) URL; nil when it is not one.
        package init?(url text: String) {
            guard let components = URLComponents(string: text), components.scheme == "postgres" || components.scheme == "postgresql",
                let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty
            else { return nil }
            self.host = host
            port = components.port ?? 5432
            self.user = user.removingPercentEncoding ?? user
            password = components.password.map { $0.removingPercentEncoding ?? $0 }
            let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            database = path.isEmpty ? self.user : path
            sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
            guard ["disable", "prefer", "require"].contains(sslMode) else { return nil }
            schema = components.queryItems?.first { $0.name == "schema" }?.value
            if let schema, !Self.isPlainName(schema) { return nil }
        }

        /// Lower-case letters, digits and `_`, starting with a letter (a schema name needing no quotes).
        static func isPlainName(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 63 else { return false }
            return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }

        /// The URL without its password, for logs and messages.
        package var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(sslMode)" + (schema.map { "&schema=\($0)" } ?? "") }
    }

    /// Connects (lazily: the pool opens connections on demand, at most `maxConnections`) and migrates.
    /// With a `schema`, every connection works in it (tests give each world its own).
    package static func open(
        _ location: Location, maxConnections: Int = 16, startTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "portal.postgres")
    ) async throws -> PostgresDatabase {
        let tls: PostgresClient.Configuration.TLS =
            switch location.sslMode {
            case "disable": .disable
            case "require": .require(try NIOSSLContext(configuration: .makeClientConfiguration()).configuration)
            default: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()).configuration)
            }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password, database: location.database, tls: tls)
        configuration.options.maximumConnections = maxConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(30)
        if let schema = location.schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        let database = PostgresDatabase(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger), schema: location.schema ?? "public", logger: logger)
        do {
            // A pool keeps retrying a server it cannot reach; a start gives up after `startTimeout`.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await database.migrate() }
                group.addTask {
                    try await Task.sleep(for: startTimeout)
                    throw StartTimedOut(seconds: startTimeout.components.seconds)
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            database.close()
            throw error
        }
        return database
    }

    private init(client: PostgresClient, schema: String, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Stops the pool (its connections close).
    package func close() {
        runner.cancel()
    }

    deinit { runner.cancel() }

    /// No answer from the server within the start timeout.
    struct StartTimedOut: Error, CustomStringConvertible {
        var seconds: Int64
        var description: String { "no answer within \(seconds) s (is PostgreSQL running there, and does it accept this user?)" }
    }

    /// A one-line reason for a failure to connect or migrate.
    package static func explain(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return String(describing: underlying) }
            return String(describing: error.code)
        }
        return String(describing: error)
    }

    /// The advisory lock every instance takes to migrate a schema, so that one migrates and the others
    /// wait: (this class of lock, the schema's hash).
    static let migrationLock: Int32 = 0x4950_4D47  // "IPMG"

    /// Applies the migrations not yet applied, in order, each in its own transaction.
    func migrate() async throws {
        let lock = Self.migrationLock
        let schema = schema
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(lock), hashtext(\(schema)))", logger: logger)
            do {
                if schema != "public" {
                    // Under the lock: two instances creating it at once would collide even with IF NOT EXISTS.
                    // `schema` is a plain name (see `Location.isPlainName`), safe to write into the statement.
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
                }
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS portal_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)", logger: logger)
                var applied = Set<String>()
                for try await name in try await connection.query("SELECT name FROM portal_migrations", logger: logger).decode(String.self) {
                    applied.insert(name)
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
                    let name = migration.name
                    let sql = migration.sql
                    try await connection.withTransaction(logger: logger) { transaction in
                        for statement in PostgresSchema.statements(sql) {
                            try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await transaction.query("INSERT INTO portal_migrations (name, applied_at) VALUES (\(name), now())", logger: logger)
                    }
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lock), hashtext(\(schema)))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(lock), hashtext(\(schema)))", logger: logger)
        }
    }
}
