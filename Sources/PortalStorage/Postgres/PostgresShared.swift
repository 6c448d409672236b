package import Foundation
import PortalCore
import PortalCrypto
import PostgresNIO

/// What every instance must share beyond the records: the HMAC keys of session cookies (so a cookie
/// issued by one instance is valid on all) and the sign-in failure counts (so the rate limit holds
/// across instances).
extension PostgresDatabase {
    /// The session keys, oldest first; the first instance to start creates one (256 random bits), and
    /// every instance reads the same ones.
    package func sessionKeys() async throws -> [[UInt8]] {
        let key = try SecureRandom.bytes(32)
        try await client.query(
            "INSERT INTO session_keys (id, key, created_at) VALUES (1, \(ByteBuffer(bytes: key)), now()) ON CONFLICT (id) DO NOTHING", logger: logger)
        var keys: [[UInt8]] = []
        for try await bytes in try await client.query("SELECT key FROM session_keys ORDER BY id", logger: logger).decode(ByteBuffer.self) {
            keys.append(Array(bytes.readableBytesView))
        }
        return keys
    }
}

/// Failed sign-ins counted in PostgreSQL: per client address and per account, within a sliding window,
/// whichever instance the attempts reach.
package struct PostgresSignInLimiter: SignInLimiter {
    let database: PostgresDatabase
    let maxFailures: Int
    let window: TimeInterval

    package init(database: PostgresDatabase, maxFailures: Int = 5, window: TimeInterval = 600) {
        self.database = database
        self.maxFailures = maxFailures
        self.window = window
    }

    package func blocked(_ keys: [String], now: Date) async -> TimeInterval? {
        let since = now.addingTimeInterval(-window)
        do {
            let rows = try await database.client.query(
                """
                SELECT key, COUNT(*), MIN(at) FROM sign_in_failures WHERE key = ANY(\(keys)) AND at > \(since)
                GROUP BY key
                """, logger: database.logger)
            var wait: TimeInterval?
            for try await (_, count, oldest) in rows.decode((String, Int64, Date).self) where count >= maxFailures {
                wait = max(wait ?? 0, window - now.timeIntervalSince(oldest))
            }
            return wait
        } catch {
            // The store is down: sign-ins cannot succeed anyway, so do not add a second refusal.
            return nil
        }
    }

    package func recordFailure(_ keys: [String], now: Date) async {
        let since = now.addingTimeInterval(-window)
        for key in keys {
            _ = try? await database.client.query("INSERT INTO sign_in_failures (key, at) VALUES (\(key), \(now))", logger: database.logger)
        }
        _ = try? await database.client.query("DELETE FROM sign_in_failures WHERE at <= \(since)", logger: database.logger)
    }
}

extension PostgresDatabase {
    /// This installation's ID: the one `migrate-data` brought from the single node, or one made by
    /// the first instance to start on an empty database.
    package func installationID() async throws -> String {
        let fresh = ByteEncoding.hex(try SecureRandom.bytes(16))
        try await client.query(
            "INSERT INTO installation (singleton, id, created_at) VALUES (TRUE, \(fresh), now()) ON CONFLICT (singleton) DO NOTHING", logger: logger)
        for try await id in try await client.query("SELECT id FROM installation", logger: logger).decode(String.self) { return id }
        return fresh
    }
}
