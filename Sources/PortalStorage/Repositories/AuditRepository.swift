package import Foundation
import GRDB
package import PortalDomain

/// Filters for reading the audit trail.
package struct AuditQuery: Hashable, Sendable {
    package var imageID: ImageID?
    /// Events concerning this tenant (as owner, member or actor).
    package var tenant: TenantID?
    /// Events by this actor: a tenant ID or a staff name.
    package var actor: String?
    package var type: AuditEventType?
    package var since: Date?
    package var until: Date?
    package var limit = 50
    /// Keyset: only events older than this ID.
    package var before: Int64?

    package init() {}

    /// Largest page.
    package static let maxLimit = 1000

    /// Parses `image`, `tenant`, `actor`, `type`, `since`, `until`, `limit`, `marker`.
    package static func parse(_ items: [(name: String, value: String)]) throws(DomainError) -> AuditQuery {
        var query = AuditQuery()
        for (name, value) in items where !value.isEmpty {
            switch name {
            case "image", "image_id": query.imageID = try ImageID.parse(value)
            case "tenant": query.tenant = try TenantID.parse(value)
            case "actor": query.actor = value
            case "type":
                guard let type = AuditEventType(rawValue: value) else {
                    throw .invalid("Unknown event type '\(value.prefix(64))'. Known types: \(AuditEventType.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                query.type = type
            case "since", "from":
                guard let date = Timestamp.parse(value) else { throw .invalid("Invalid time '\(value.prefix(64))' for '\(name)': use ISO 8601.") }
                query.since = date
            case "until", "to":
                guard let date = Timestamp.parse(value) else { throw .invalid("Invalid time '\(value.prefix(64))' for '\(name)': use ISO 8601.") }
                query.until = date
            case "limit":
                guard let limit = Int(value), limit >= 0 else { throw .invalid("limit must be a non-negative integer.") }
                query.limit = min(limit, maxLimit)
            case "marker", "before":
                guard let id = Int64(value), id > 0 else { throw .invalid("Invalid marker '\(value.prefix(32))'.") }
                query.before = id
            default:
                break
            }
        }
        return query
    }
}

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
