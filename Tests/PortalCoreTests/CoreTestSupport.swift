import Foundation
import PortalCore
import PortalDomain
import Testing
import TestSupport

extension TestWorld {
    /// Adds `member` to `image` as the owner, then sets its status as the member.
    func share(_ image: Image, by owner: Credential, with member: Credential, status: MemberStatus = .pending) async throws {
        let memberID = try #require(member.tenant)
        _ = try await useCases.sharing.addMember(memberID.rawValue, to: image.id, by: owner.actor)
        if status != .pending {
            _ = try await useCases.sharing.answer(image.id, member: memberID.rawValue, status: status.rawValue, by: member.actor)
        }
    }

    /// The audit events of one image, oldest first, as staff read them.
    func auditEvents(image: ImageID) async throws -> [AuditEvent] {
        var query = AuditQuery()
        query.imageID = image
        query.limit = AuditQuery.maxLimit
        return try await useCases.audit.events(query, for: .staff(.commandLineOperator, role: .admin)).events.reversed()
    }
}

