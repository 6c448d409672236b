package import Foundation

/// A member's answer to a share.
package enum MemberStatus: String, Codable, Sendable, CaseIterable {
    case pending, accepted, rejected

    /// Parses a client-supplied status; anything else is a 400 naming the allowed values.
    package static func parse(_ text: String) throws(DomainError) -> MemberStatus {
        guard let status = MemberStatus(rawValue: text) else {
            throw .invalid("Invalid status '\(text.prefix(64))': a member status is pending, accepted or rejected.")
        }
        return status
    }
}

/// A tenant an image is shared with.
package struct Member: Hashable, Sendable {
    package var imageID: ImageID
    package var memberID: TenantID
    package var status: MemberStatus
    /// Glance v1's `can_share`: this member may add further members. Only the owner sets it.
    package var canShare: Bool
    package var createdAt: Date
    package var updatedAt: Date

    package init(imageID: ImageID, memberID: TenantID, status: MemberStatus = .pending, canShare: Bool = false, createdAt: Date, updatedAt: Date) {
        self.imageID = imageID
        self.memberID = memberID
        self.status = status
        self.canShare = canShare
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
