package import Foundation
import GRDB

/// Browser sessions are stateless signed cookies; this remembers the ones signed out before they
/// expired, so a copied cookie cannot outlive its sign-out.
package protocol SessionStore: Sendable {
    /// Records a session as ended until its natural expiry.
    func end(_ sessionID: String, expiresAt: Date) async throws
    /// Whether a session was signed out.
    func isEnded(_ sessionID: String) async throws -> Bool
    /// Forgets ended sessions that would have expired anyway.
    func purgeExpired() async throws
}

/// The GRDB implementation.
package struct SQLSessionStore: SessionStore {
    let database: AppDatabase
    let clock: PortalClock

    package init(database: AppDatabase, clock: PortalClock) {
        self.database = database
        self.clock = clock
    }

    package func end(_ sessionID: String, expiresAt: Date) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO ended_sessions (sid, expires_at) VALUES (?, ?)", arguments: [sessionID, expiresAt])
        }
    }

    package func isEnded(_ sessionID: String) async throws -> Bool {
        try await database.reader.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM ended_sessions WHERE sid = ?", arguments: [sessionID]) ?? false
        }
    }

    package func purgeExpired() async throws {
        let now = clock.now()
        try await database.writer.write { db in try db.execute(sql: "DELETE FROM ended_sessions WHERE expires_at < ?", arguments: [now]) }
    }
}
