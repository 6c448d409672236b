package import Foundation

/// Rules for sharing (PRODUCT "Sharing rules" 1–10): only owners add and remove, only members answer.
package enum MemberRules {
    /// The default member quota per image (Glance's `image_member_quota`).
    package static let defaultQuota = 128

    /// Glance allows members only on images with visibility `shared` (rule 8).
    package static func requireShared(_ image: Image) throws(DomainError) {
        guard image.visibility == .shared else { throw .forbidden("Only shared images have members.") }
    }

    /// Validates a new member (the access policy has already allowed `addMember`).
    ///
    /// - Parameters:
    ///   - candidate: the tenant ID as the client wrote it.
    ///   - existing: the image's current members.
    /// - Returns: the new pending member. A well-formed DDI with no account is accepted exactly like
    ///   one that has an account: there is no existence oracle (rule 6).
    package static func newMember(
        _ candidate: String, image: Image, existing: [Member], quota: Int, canShare: Bool = false, now: Date
    ) throws(DomainError) -> Member {
        try requireShared(image)
        let memberID = try TenantID.parse(candidate)
        guard memberID != image.owner else {
            throw .invalid("An image cannot be shared with its owner (tenant \(memberID)).")
        }
        if existing.contains(where: { $0.memberID == memberID }) {
            throw .conflict("Member \(memberID) is duplicated for image \(image.id).")
        }
        guard existing.count < quota else {
            throw .tooLarge("Image member limit exceeded for image \(image.id): an image may have at most \(quota) members.")
        }
        return Member(imageID: image.id, memberID: memberID, status: .pending, canShare: canShare, createdAt: now, updatedAt: now)
    }

    /// A member changes its own status, to any of the three, any number of times (rule 2).
    package static func changingStatus(of member: Member, to text: String, now: Date) throws(DomainError) -> Member {
        let status = try MemberStatus.parse(text)
        var updated = member
        updated.status = status
        if status != member.status { updated.updatedAt = now }
        return updated
    }

    /// The members a caller may list: the owner (and staff) see all, a member sees only itself (rule 3).
    package static func visibleMembers(_ members: [Member], to principal: Principal, image: Image) -> [Member] {
        if principal.tenantID == image.owner || principal.readsAcrossTenants { return members }
        guard let tenant = principal.tenantID else { return [] }
        return members.filter { $0.memberID == tenant }
    }

    /// Rejected members stay members until the owner removes them; the owner's page names them as candidates (rule 10).
    package static func removalCandidates(_ members: [Member]) -> [Member] {
        members.filter { $0.status == .rejected }.sorted { $0.memberID < $1.memberID }
    }

    /// Glance v1 `PUT /images/{id}/members`: the named memberships replace the list.
    ///
    /// Existing members not named are removed; named ones keep their status and take the given
    /// `can_share` (unchanged when omitted); new ones are pending with `can_share` defaulting to false.
    package struct Replacement: Hashable, Sendable {
        package var added: [Member]
        package var updated: [Member]
        package var removed: [Member]
    }

    /// Works out a v1 whole-list replacement.
    package static func replacing(
        _ existing: [Member], with requested: [(member: String, canShare: Bool?)], image: Image, quota: Int, now: Date
    ) throws(DomainError) -> Replacement {
        var wanted: [TenantID: Bool?] = [:]
        var order: [TenantID] = []
        for entry in requested {
            let id = try TenantID.parse(entry.member)
            guard id != image.owner else { throw .invalid("An image cannot be shared with its owner (tenant \(id)).") }
            if wanted[id] == nil { order.append(id) }
            wanted[id] = entry.canShare
        }
        guard order.count <= quota else {
            throw .tooLarge("Image member limit exceeded for image \(image.id): an image may have at most \(quota) members.")
        }
        let byID = Dictionary(uniqueKeysWithValues: existing.map { ($0.memberID, $0) })
        var result = Replacement(added: [], updated: [], removed: [])
        for id in order {
            let canShare = wanted[id] ?? nil
            if var member = byID[id] {
                if let canShare, canShare != member.canShare {
                    member.canShare = canShare
                    member.updatedAt = now
                    result.updated.append(member)
                }
            } else {
                result.added.append(Member(imageID: image.id, memberID: id, canShare: canShare ?? false, createdAt: now, updatedAt: now))
            }
        }
        result.removed = existing.filter { wanted[$0.memberID] == nil }
        return result
    }
}

extension MemberRules {
    /// The 404 for a member record the caller asked about that does not exist (or may not be known).
    package static func notFound(_ member: some StringProtocol, image: ImageID) -> DomainError {
        .notFound("\(member.prefix(64)) not found in the member list of the image \(image).")
    }

    /// Glance v1 `GET /shared-images/{tenant}`: only that tenant itself, or staff, may ask.
    package static func requireMayListSharedImages(of tenant: TenantID, by principal: Principal) throws(DomainError) {
        guard principal.tenantID == tenant || principal.readsAcrossTenants else {
            throw .forbidden("Only tenant \(tenant) itself, or staff, may list the images shared with it.")
        }
    }

    /// The v1 shared-images list: the shared, undeleted images `tenant` is a member of, as the caller
    /// may see them (with `rejected-members-lose-access`, a tenant no longer sees its rejected shares).
    package static func sharedImages(
        _ memberships: [(image: Image, member: Member)], of tenant: TenantID, for principal: Principal, settings: AccessSettings
    ) -> [Member] {
        memberships.filter { entry in
            guard entry.member.memberID == tenant, entry.image.visibility == .shared else { return false }
            if principal.readsAcrossTenants { return entry.image.status != .deleted && entry.image.status != .pendingDelete }
            return AccessPolicy.canSee(entry.image, relation: .member(entry.member.status, canShare: entry.member.canShare), settings: settings)
        }.map(\.member)
    }

    /// Who may grant or change `can_share` (Glance v1): the owner and admins, never a member.
    package static func requireMayGrantCanShare(on image: Image, by principal: Principal, changing: Bool) throws(DomainError) {
        guard principal.tenantID == image.owner || principal.isAdmin else {
            throw .forbidden(changing ? "Only the image owner may change can_share." : "Only the image owner may grant can_share.")
        }
    }
}
