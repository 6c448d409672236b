import Foundation
import GRDB
package import PortalDomain

/// What support staff read across tenants (read-only; staff only).
package protocol SupportRepository: Sendable {
    /// Shares matching the filter, oldest unanswered first.
    func shareReview(_ filter: ShareReviewFilter, for principal: Principal) async throws -> [ShareRow]
    /// A tenant's images shared out (with their members) and the images shared in.
    func tenantOverview(_ tenant: TenantID, for principal: Principal) async throws -> (sharedOut: [ShareRow], sharedIn: [ShareRow])
}

/// The GRDB implementation.
package struct SQLSupportRepository: SupportRepository {
    let database: AppDatabase
    let clock: PortalClock

    package init(database: AppDatabase, clock: PortalClock) {
        self.database = database
        self.clock = clock
    }

    private func requireStaff(_ principal: Principal) throws {
        guard principal.readsAcrossTenants else { throw DomainError.notFound("No such page.") }
    }

    package func shareReview(_ filter: ShareReviewFilter, for principal: Principal) async throws -> [ShareRow] {
        try requireStaff(principal)
        let now = clock.now()
        return try await database.reader.read { db in
            var clauses: [SQL] = ["i.status != 'deleted'"]
            if let owner = filter.owner { clauses.append("i.owner = \(owner.rawValue)") }
            if let member = filter.member { clauses.append("m.member = \(member.rawValue)") }
            if let status = filter.status { clauses.append("m.status = \(status.rawValue)") }
            if let days = filter.olderThanDays { clauses.append("m.updated_at <= \(now.addingTimeInterval(-Double(days) * 86_400))") }
            if let minimum = filter.minMembers { clauses.append("(SELECT COUNT(*) FROM image_members c WHERE c.image_id = i.id) >= \(minimum)") }
            return try rows(db, where: clauses, limit: filter.limit)
        }
    }

    package func tenantOverview(_ tenant: TenantID, for principal: Principal) async throws -> (sharedOut: [ShareRow], sharedIn: [ShareRow]) {
        try requireStaff(principal)
        return try await database.reader.read { db in
            let out = try rows(db, where: ["i.status != 'deleted'", "i.owner = \(tenant.rawValue)"], limit: 1000)
            let into = try rows(db, where: ["i.status != 'deleted'", "m.member = \(tenant.rawValue)"], limit: 1000)
            return (out, into)
        }
    }

    private func rows(_ db: Database, where clauses: [SQL], limit: Int) throws -> [ShareRow] {
        let condition: SQL = clauses.joined(separator: " AND ")
        let sql: SQL =
            """
            SELECT i.*, m.member AS m_member, m.status AS m_status, m.can_share AS m_can_share,
                   m.created_at AS m_created_at, m.updated_at AS m_updated_at,
                   (SELECT COUNT(*) FROM image_members c WHERE c.image_id = i.id) AS member_count
            FROM image_members m JOIN images i ON i.id = m.image_id
            WHERE \(condition)
            ORDER BY m.updated_at, i.id, m.member LIMIT \(limit)
            """
        return try Row.fetchAll(db, SQLRequest<Row>(literal: sql)).compactMap { row in
            guard let image = try ImageRecord(row: row).image, let memberID = TenantID(rawValue: row["m_member"]),
                let status = MemberStatus(rawValue: row["m_status"])
            else { return nil }
            let member = Member(
                imageID: image.id, memberID: memberID, status: status, canShare: row["m_can_share"], createdAt: row["m_created_at"], updatedAt: row["m_updated_at"])
            return ShareRow(image: image, member: member, memberCount: row["member_count"])
        }
    }
}
