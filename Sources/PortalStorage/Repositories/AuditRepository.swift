package import Foundation
import GRDB
package import PortalDomain

/// The append-only audit trail, read with tenant scoping.
package protocol AuditRepository: Sendable {
    /// Events the caller may see, newest first; `next` is the marker of the next page.
    func events(_ query: AuditQuery, for principal: Principal) async throws -> (events: [AuditEvent], next: Int64?)
    /// Appends an event that is not part of another change (sign-in, sign-out).
    func record(_ event: AuditEvent) async throws
}

/// The GRDB implementation.
package struct SQLAuditRepository: AuditRepository {
    let database: AppDatabase

    package init(database: AppDatabase) { self.database = database }

    package func record(_ event: AuditEvent) async throws {
        try await database.writer.write { db in try db.audit(event) }
    }

    package func events(_ query: AuditQuery, for principal: Principal) async throws -> (events: [AuditEvent], next: Int64?) {
        try await database.reader.read { db in
            var clauses: [SQL] = []
            if !principal.isStaff {
                guard let tenant = principal.tenantID?.rawValue else { return ([], nil) }
                clauses.append("(image_owner = \(tenant) OR other_tenant = \(tenant) OR actor_tenant = \(tenant))")
            }
            if let image = query.imageID { clauses.append("image_id = \(image.rawValue)") }
            if let tenant = query.tenant?.rawValue {
                clauses.append("(image_owner = \(tenant) OR other_tenant = \(tenant) OR actor_tenant = \(tenant))")
            }
            if let actor = query.actor { clauses.append("(actor_tenant = \(actor) OR actor_staff = \(actor) OR token_id = \(actor))") }
            if let type = query.type { clauses.append("type = \(type.rawValue)") }
            if let since = query.since { clauses.append("at >= \(since)") }
            if let until = query.until { clauses.append("at < \(until)") }
            if let before = query.before { clauses.append("id < \(before)") }
            let condition: SQL = clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
            let sql: SQL = "SELECT * FROM audit_events WHERE " + condition + " ORDER BY id DESC LIMIT \(query.limit + 1)"
            let records = try AuditEventRecord.fetchAll(db, SQLRequest<AuditEventRecord>(literal: sql))
            let events = records.prefix(query.limit).compactMap(\.event)
            return (Array(events), records.count > query.limit ? events.last?.id : nil)
        }
    }
}
