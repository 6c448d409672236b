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
        }

        /// The URL without its password, for logs and messages.
        package var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(sslMode)" }
    }

    /// Connects (lazily: the pool opens connections on demand, at most `maxConnections`) and migrates.
    /// `searchPath` puts every connection in one schema (tests give each world its own).
    package static func open(
        _ location: Location, maxConnections: Int = 16, searchPath: String? = nil, logger: Logger = Logger(label: "portal.postgres")
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
        if let searchPath { configuration.options.additionalStartupParameters = [("search_path", searchPath)] }
        let database = PostgresDatabase(client: PostgresClient(configuration: configuration, backgroundLogger: logger), logger: logger)
        do {
            try await database.migrate()
        } catch {
            database.close()
            throw error
        }
        return database
    }

    private init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Stops the pool (its connections close).
    package func close() {
        runner.cancel()
    }

    deinit { runner.cancel() }

    /// The advisory lock every instance takes to migrate, so that one migrates and the others wait.
    static let migrationLock: Int64 = 0x1_4D41_4745_504F  // "IMAGEPO"

    /// Applies the migrations not yet applied, in order, each in its own transaction.
    func migrate() async throws {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
            do {
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
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
        }
    }
}
