import Foundation
package import PortalDomain

/// How a share request is carried out beyond adding members.
package struct ShareOptions: Sendable {
    /// Switches a private image to shared first, with the reason its audit event gives
    /// (the portal's "make it shared" box; Glance v1, which shares private images).
    package var makeShared: String?
    /// Glance v1's `can_share` for the new members.
    package var canShare: Bool
    /// Held accounts of the same person that accept at once, each as itself (audited by its own tenant and token).
    package var acceptFor: [Actor]

    package init(makeShared: String? = nil, canShare: Bool = false, acceptFor: [Actor] = []) {
        self.makeShared = makeShared
        self.canShare = canShare
        self.acceptFor = acceptFor
    }
}

/// What a share request did.
package struct ShareOutcome: Sendable {
    /// The members added (pending, unless accepted for a held account).
    package var shared: [Member] = []
    /// The tenant IDs refused, each with why (malformed, the owner itself, already a member, over the quota).
    package var refused: [(candidate: String, error: DomainError)] = []
    /// The held accounts that accepted at once.
    package var accepted: [TenantID] = []
    /// Whether the image went from private to shared.
    package var madeShared = false
}

/// One entry of a Glance v1 membership replacement.
package struct MembershipEntry: Sendable {
    package var member: String
    /// Nil: keep an existing member's `can_share` (false for a new one).
    package var canShare: Bool?

    package init(member: String, canShare: Bool?) {
        self.member = member
        self.canShare = canShare
    }
}

/// Which API's member rules apply where Glance v1 and v2 differ.
package enum MemberAPI: Sendable {
    /// Glance v2 and the portal: only shared images have members.
    case v2
    /// Glance v1: members of an image of any visibility.
    case v1
}

/// Sharing an image with other tenants and answering shares (PRODUCT "Sharing rules"): the portal,
/// Glance v2 and Glance v1 all share, answer and remove through here.
package struct Sharing: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Shares an image with tenants. Whether the caller may share at all is one answer for the whole
    /// request (404 or 403); then each tenant ID is added or refused on its own.
    package func share(_ id: ImageID, with candidates: [String], by actor: Actor, options: ShareOptions = ShareOptions()) async throws -> ShareOutcome {
        let now = core.clock.now()
        let settings = core.settings
        var reads = Reads.image(id, for: actor.principal, allMembers: true)
        reads.memberRecords += options.acceptFor.compactMap { $0.principal.tenantID.map { MemberKey(image: id, member: $0) } }
        return try await core.transact(reads, conflict: "A member was added to image \(id) at the same time; try again.") { snapshot in
            var (image, _) = try snapshot.authorized(id, .addMember, for: actor.principal, settings: settings.access)
            var outcome = ShareOutcome()
            var writes: [Write] = []
            if let reason = options.makeShared, image.visibility == .private {
                let shared = try ImageRules.apply([.visibility(.shared)], to: image, by: actor.principal, now: now)
                writes += ImageCatalog.saving(before: image, after: shared, type: .imageUpdated, by: actor, at: now, detail: reason)
                image = shared
                outcome.madeShared = true
            }
            try MemberRules.requireShared(image)
            var members = snapshot.members[id] ?? []
            var seen = Set<String>()
            for candidate in candidates where seen.insert(candidate).inserted {
                do throws(DomainError) {
                    let member = try MemberRules.newMember(
                        candidate, image: image, existing: members, quota: settings.memberQuota, canShare: options.canShare, now: now)
                    members.append(member)
                    outcome.shared.append(member)
                    writes += Self.adding(member, to: image, by: actor, at: now)
                } catch {
                    outcome.refused.append((candidate, error))
                }
            }
            for acceptor in options.acceptFor {
                guard let tenant = acceptor.principal.tenantID, let member = outcome.shared.first(where: { $0.memberID == tenant }) else { continue }
                try AccessPolicy.decideMemberRecord(
                    .updateStatus, target: tenant, image: image, membership: member, principal: acceptor.principal, settings: settings.access
                ).require(id.rawValue)
                let accepted = try MemberRules.changingStatus(of: member, to: MemberStatus.accepted.rawValue, now: now)
                writes += Self.answering(member, with: accepted, image: image, by: acceptor, at: now)
                outcome.accepted.append(tenant)
            }
            return Commit(writes, outcome)
        }
    }

    /// Glance v2 `POST .../members`: adds one member (pending), or fails as Glance does.
    package func addMember(_ candidate: String, to id: ImageID, by actor: Actor) async throws -> Member {
        let outcome = try await share(id, with: [candidate], by: actor)
        if let refusal = outcome.refused.first { throw refusal.error }
        guard let member = outcome.shared.first else { throw DomainError.invalid("Member can't be empty") }
        return member
    }

    /// A member answers a share: pending, accepted or rejected, any number of times. Only the member
    /// itself may; the owner, admins and support get 403, anyone else 404.
    package func answer(_ id: ImageID, member memberID: String, status: String, by actor: Actor) async throws -> Member {
        let now = core.clock.now()
        let settings = core.settings.access
        guard let target = TenantID(rawValue: memberID) else {
            _ = try await core.view(id, for: actor.principal)
            throw MemberRules.notFound(memberID, image: id)
        }
        var reads = Reads.image(id, for: actor.principal)
        reads.memberRecords.append(MemberKey(image: id, member: target))
        return try await core.transact(reads) { snapshot in
            let image = try snapshot.image(id)
            let membership = actor.principal.tenantID.flatMap { snapshot.memberRecords[MemberKey(image: id, member: $0)] }
            try AccessPolicy.decideMemberRecord(.updateStatus, target: target, image: image, membership: membership, principal: actor.principal, settings: settings)
                .require(id.rawValue)
            guard let member = snapshot.memberRecords[MemberKey(image: id, member: target)] else { throw MemberRules.notFound(target.rawValue, image: id) }
            let updated = try MemberRules.changingStatus(of: member, to: status, now: now)
            return Commit(Self.answering(member, with: updated, image: image, by: actor, at: now), updated)
        }
    }

    /// The owner removes a member; its access ends at once (adding it again starts at pending).
    package func removeMember(_ memberID: String, from id: ImageID, by actor: Actor, api: MemberAPI) async throws {
        let now = core.clock.now()
        let settings = core.settings.access
        var reads = Reads.image(id, for: actor.principal)
        let target = TenantID(rawValue: memberID)
        if let target { reads.memberRecords.append(MemberKey(image: id, member: target)) }
        try await core.transact(reads) { snapshot in
            let (image, _) = try snapshot.authorized(id, .removeMember, for: actor.principal, settings: settings)
            if api == .v2 { try MemberRules.requireShared(image) }
            guard let target, let member = snapshot.memberRecords[MemberKey(image: id, member: target)] else {
                throw MemberRules.notFound(memberID, image: id)
            }
            return Commit(Self.removing(member, from: image, by: actor, at: now))
        }
    }

    /// Glance v1 `PUT .../members/{member}`: adds a pending member (making a private image shared),
    /// or sets its `can_share`, which only the owner may grant or change. Without a body an existing
    /// membership stays as it is.
    package func putMemberV1(_ memberID: String, on id: ImageID, canShare: Bool?, by actor: Actor) async throws {
        let now = core.clock.now()
        let settings = core.settings
        try await core.transact(.image(id, for: actor.principal, allMembers: true)) { snapshot in
            var (image, _) = try snapshot.authorized(id, .addMember, for: actor.principal, settings: settings.access)
            let target = try TenantID.parse(memberID)
            let members = snapshot.members[id] ?? []
            if let member = members.first(where: { $0.memberID == target }) {
                guard let canShare, canShare != member.canShare else { return Commit([]) }
                try MemberRules.requireMayGrantCanShare(on: image, by: actor.principal, changing: true)
                return Commit(Self.settingCanShare(member, to: canShare, image: image, by: actor, at: now))
            }
            if canShare == true { try MemberRules.requireMayGrantCanShare(on: image, by: actor.principal, changing: false) }
            var writes: [Write] = []
            if image.visibility == .private {
                let shared = try ImageRules.apply([.visibility(.shared)], to: image, by: actor.principal, now: now)
                writes += ImageCatalog.saving(before: image, after: shared, type: .imageUpdated, by: actor, at: now, detail: Self.v1Sharing("member add"))
                image = shared
            }
            let member = try MemberRules.newMember(memberID, image: image, existing: members, quota: settings.memberQuota, canShare: canShare ?? false, now: now)
            return Commit(writes + Self.adding(member, to: image, by: actor, at: now))
        }
    }

    /// Glance v1 `PUT .../members`: the named memberships replace the list (kept members keep their status).
    package func replaceMembersV1(on id: ImageID, with entries: [MembershipEntry], by actor: Actor) async throws {
        let now = core.clock.now()
        let settings = core.settings
        try await core.transact(.image(id, for: actor.principal, allMembers: true)) { snapshot in
            var (image, _) = try snapshot.authorized(id, .removeMember, for: actor.principal, settings: settings.access)
            var writes: [Write] = []
            if !entries.isEmpty, image.visibility == .private {
                let shared = try ImageRules.apply([.visibility(.shared)], to: image, by: actor.principal, now: now)
                writes += ImageCatalog.saving(
                    before: image, after: shared, type: .imageUpdated, by: actor, at: now, detail: Self.v1Sharing("membership replacement"))
                image = shared
            }
            let existing = snapshot.members[id] ?? []
            let plan = try MemberRules.replacing(
                existing, with: entries.map { ($0.member, $0.canShare) }, image: image, quota: settings.memberQuota, now: now)
            if !plan.added.isEmpty { try MemberRules.requireShared(image) }
            for member in plan.removed { writes += Self.removing(member, from: image, by: actor, at: now) }
            for member in plan.added { writes += Self.adding(member, to: image, by: actor, at: now) }
            for member in plan.updated {
                guard let before = existing.first(where: { $0.memberID == member.memberID }) else { continue }
                writes += Self.settingCanShare(before, to: member.canShare, image: image, by: actor, at: now)
            }
            return Commit(writes)
        }
    }

    /// The members the caller may list: the owner and staff see all, a member only itself (v2: only
    /// shared images have members, 403 otherwise).
    package func members(of id: ImageID, for principal: Principal, api: MemberAPI) async throws -> [Member] {
        let (image, _) = try await core.authorized(id, .listMembers, for: principal)
        if api == .v2 { try MemberRules.requireShared(image) }
        return MemberRules.visibleMembers(try await core.records.members(of: id), to: principal, image: image)
    }

    /// One member record, as Glance answers `GET .../members/{member}`.
    package func member(_ memberID: String, of id: ImageID, for principal: Principal) async throws -> Member {
        let (image, membership) = try await core.view(id, for: principal)
        guard let target = TenantID(rawValue: memberID) else { throw MemberRules.notFound(memberID, image: id) }
        try AccessPolicy.decideMemberRecord(.read, target: target, image: image, membership: membership, principal: principal, settings: core.settings.access)
            .require(id.rawValue)
        guard image.visibility == .shared, let member = try await core.records.memberRecords(of: target, for: [id]).first else {
            throw MemberRules.notFound(target.rawValue, image: id)
        }
        return member
    }

    /// Glance v1 `GET /shared-images/{tenant}`: that tenant itself, or staff.
    package func sharedImagesV1(of tenant: TenantID, for principal: Principal) async throws -> [Member] {
        try MemberRules.requireMayListSharedImages(of: tenant, by: principal)
        let memberships = try await core.records.memberships(of: tenant)
        return MemberRules.sharedImages(memberships, of: tenant, for: principal, settings: core.settings.access)
    }

    // MARK: Writes

    static func v1Sharing(_ what: String) -> String {
        "A Glance v1 \(what) made the private image shared (Glance v1 shares private images by giving them members)."
    }

    static func adding(_ member: Member, to image: Image, by actor: Actor, at now: Date) -> [Write] {
        var after: AuditFields = ["status": .string(member.status.rawValue)]
        if member.canShare { after["can_share"] = .bool(true) }
        return [
            .insertMember(member), .recordGrant(MemberKey(image: member.imageID, member: member.memberID), at: now),
            .audit(.about(image, .memberCreated, by: actor, at: now, otherTenant: member.memberID, after: after)),
        ]
    }

    static func answering(_ member: Member, with updated: Member, image: Image, by actor: Actor, at now: Date) -> [Write] {
        guard updated != member else { return [] }
        return [
            .updateMember(updated),
            .audit(
                .about(
                    image, .memberUpdated, by: actor, at: now, otherTenant: member.memberID, before: ["status": .string(member.status.rawValue)],
                    after: ["status": .string(updated.status.rawValue)])),
        ]
    }

    static func removing(_ member: Member, from image: Image, by actor: Actor, at now: Date) -> [Write] {
        [
            .removeMember(MemberKey(image: member.imageID, member: member.memberID)),
            .audit(.about(image, .memberDeleted, by: actor, at: now, otherTenant: member.memberID, before: ["status": .string(member.status.rawValue)])),
        ]
    }

    static func settingCanShare(_ member: Member, to canShare: Bool, image: Image, by actor: Actor, at now: Date) -> [Write] {
        var updated = member
        updated.canShare = canShare
        updated.updatedAt = now
        return [
            .updateMember(updated),
            .audit(
                .about(
                    image, .memberUpdated, by: actor, at: now, otherTenant: member.memberID, before: ["can_share": .bool(member.canShare)],
                    after: ["can_share": .bool(canShare)])),
        ]
    }
}
