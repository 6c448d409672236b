/// Everything a caller may try to do with an image.
package enum ImageAction: String, CaseIterable, Sendable {
    /// Read the image's metadata by ID.
    case show
    /// Appear in the caller's default image list.
    case list
    /// Read the image's data.
    case download
    /// Boot a server from it.
    case boot
    /// Change metadata, tags, deactivate or reactivate.
    case update
    /// Delete it.
    case delete
    /// Upload its data.
    case upload
    /// Add a member.
    case addMember
    /// Remove a member.
    case removeMember
    /// List its members (owners see all, members only themselves).
    case listMembers
    /// Change the caller's own member status.
    case setOwnStatus
    /// Export it to the caller's containers.
    case export
}

/// The answer of the access policy.
package enum Decision: Hashable, Sendable {
    case allow
    /// The caller may not know the image exists (or, for `list`, it is not in the caller's list).
    case notFound
    /// The caller may see the image but not do this; the reason is safe to show.
    case forbidden(String)

    /// Throws the matching `DomainError` unless allowed. `what` names the thing for 404 messages.
    package func require(_ what: String) throws(DomainError) {
        switch self {
        case .allow: return
        case .notFound: throw .notFound("No image with ID \(what).")
        case .forbidden(let reason): throw .forbidden(reason)
        }
    }
}

/// Operator settings that change the access rules.
package struct AccessSettings: Hashable, Sendable {
    /// Rackspace's reading: a member that rejected a share loses access to it (default off: a member may use a
    /// shared image by ID whatever its answer, as Glance and OpenStack's sharing guide have it).
    package var rejectedMembersLoseAccess: Bool
    /// Lets support staff download image data (default off).
    package var supportMayDownload: Bool

    package init(rejectedMembersLoseAccess: Bool = false, supportMayDownload: Bool = false) {
        self.rejectedMembersLoseAccess = rejectedMembersLoseAccess
        self.supportMayDownload = supportMayDownload
    }

    /// The defaults: members keep access whatever their answer; support staff may not download.
    package static let standard = AccessSettings()
}

/// How a principal stands towards one image.
package enum Relation: Hashable, Sendable {
    case owner
    case admin
    case support
    case member(MemberStatus, canShare: Bool)
    case stranger

    /// Works out the relation; `membership` is the principal's own member record for this image, if any.
    package static func of(_ principal: Principal, to image: Image, membership: Member?) -> Relation {
        if let tenant = principal.tenantID, tenant == image.owner { return .owner }
        if principal.isAdmin { return .admin }
        if principal.isSupport { return .support }
        if let membership, let tenant = principal.tenantID, membership.memberID == tenant, membership.imageID == image.id {
            return .member(membership.status, canShare: membership.canShare)
        }
        return .stranger
    }
}

/// The one access policy: every action on an image, for every kind of caller, in one place.
///
/// What a caller may not see is `.notFound`, never `.forbidden`: existence must not leak.
package enum AccessPolicy {
    private static let readOnlyStaff = "Support staff have read-only access."

    /// Decides whether `principal` may do `action` to `image`. `membership` is the principal's own member record.
    package static func decide(
        _ action: ImageAction, image: Image, membership: Member?, principal: Principal, settings: AccessSettings
    ) -> Decision {
        var relation = Relation.of(principal, to: image, membership: membership)
        // Answering a share is the member's own act, whatever the role of the token it signs in with.
        if action == .setOwnStatus, let membership, membership.imageID == image.id, membership.memberID == principal.tenantID {
            relation = .member(membership.status, canShare: membership.canShare)
        }
        return decide(action, image: image, relation: relation, isStaff: principal.isStaff, settings: settings)
    }

    /// The same decision from an already-computed relation.
    package static func decide(
        _ action: ImageAction, image: Image, relation: Relation, isStaff: Bool, settings: AccessSettings
    ) -> Decision {
        guard canSee(image, relation: relation, settings: settings) else {
            // A member that lost sight of a shared image (rejected, with rejected-members-lose-access)
            // may still change its own answer: otherwise "rejected" could never be taken back.
            if action == .setOwnStatus, case .member = relation, image.visibility == .shared, image.status != .deleted, image.status != .pendingDelete {
                return .allow
            }
            return .notFound
        }

        switch action {
        case .show:
            return .allow

        case .list:
            switch relation {
            case .owner: return .allow
            case .admin, .support: return image.visibility == .community ? .notFound : .allow
            case .member(let status, _):
                if image.visibility == .public { return .allow }
                return image.visibility == .shared && status == .accepted ? .allow : .notFound
            case .stranger:
                return image.visibility == .public ? .allow : .notFound
            }

        case .download:
            if relation == .support {
                return settings.supportMayDownload ? .allow : .forbidden("Support staff may not download image data.")
            }
            return .allow

        case .boot:
            if relation == .support { return .forbidden(readOnlyStaff) }
            if isStaff { return .forbidden("Staff accounts have no servers; boot from a tenant account.") }
            return .allow

        case .update, .delete, .upload:
            switch relation {
            case .owner, .admin: return .allow
            case .support: return .forbidden(readOnlyStaff)
            case .member, .stranger: return .forbidden("Only the image owner may \(verb(action)) this image.")
            }

        case .addMember:
            switch relation {
            case .owner, .admin: return .allow
            case .support: return .forbidden(readOnlyStaff)
            case .member(_, let canShare): return canShare ? .allow : .forbidden("Only the image owner may add members.")
            case .stranger: return .forbidden("Only the image owner may add members.")
            }

        case .removeMember:
            switch relation {
            case .owner, .admin: return .allow
            case .support: return .forbidden(readOnlyStaff)
            case .member: return .forbidden("Only the image owner may remove members; a member may only change its own status.")
            case .stranger: return .forbidden("Only the image owner may remove members.")
            }

        case .listMembers:
            switch relation {
            case .owner, .admin, .support, .member: return .allow
            case .stranger: return .forbidden("Only shared images have members.")
            }

        case .setOwnStatus:
            switch relation {
            case .member: return .allow
            case .owner: return .forbidden("The image owner may not change a member's status; only the member can.")
            case .admin: return .forbidden("Only the member itself may change its status.")
            case .support: return .forbidden(readOnlyStaff)
            case .stranger: return image.visibility == .shared ? .notFound : .forbidden("Only shared images have members.")
            }

        case .export:
            switch relation {
            case .owner: return .allow
            case .support: return .forbidden(readOnlyStaff)
            case .admin, .member, .stranger:
                return .forbidden("Only the image owner may export it; a shared image can never be exported by a consumer.")
            }
        }
    }

    /// Whether the relation lets the caller know the image exists at all.
    package static func canSee(_ image: Image, relation: Relation, settings: AccessSettings) -> Bool {
        if image.status == .deleted || image.status == .pendingDelete { return false }
        switch relation {
        case .owner, .admin, .support:
            return true
        case .member(let status, _):
            switch image.visibility {
            case .public, .community: return true
            case .shared: return !(settings.rejectedMembersLoseAccess && status == .rejected)
            case .private: return false
            }
        case .stranger:
            return image.visibility == .public || image.visibility == .community
        }
    }

    /// Who may read or change the member record of `target` on `image`.
    package enum MemberRecordOperation: Sendable { case read, updateStatus }

    /// Decides access to one member record (`GET`/`PUT .../members/{target}`), as Glance answers:
    ///
    /// - Only shared images have member records to show: on any other visibility a read is 404, and a
    ///   status change is 403 for anyone who can see the image (404 for anyone who cannot).
    /// - The member itself may read and update its own record, whatever its status and whatever the
    ///   role of its token.
    /// - The owner, admins and support staff may read any record; none of them may change a status (403).
    /// - Anyone else, including a member asking about another member, gets 404.
    package static func decideMemberRecord(
        _ operation: MemberRecordOperation, target: TenantID, image: Image, membership: Member?, principal: Principal,
        settings: AccessSettings
    ) -> Decision {
        guard image.status != .deleted, image.status != .pendingDelete else { return .notFound }
        let isSelf = principal.tenantID == target && membership?.memberID == target && membership?.imageID == image.id
        let relation = Relation.of(principal, to: image, membership: membership)
        let visible = isSelf ? image.visibility != .private : canSee(image, relation: relation, settings: settings)
        guard image.visibility == .shared else {
            if operation == .updateStatus && visible { return .forbidden("Only shared images have members.") }
            return .notFound
        }
        if isSelf { return .allow }
        switch relation {
        case .owner, .admin, .support:
            switch operation {
            case .read: return .allow
            case .updateStatus: return decide(.setOwnStatus, image: image, relation: relation, isStaff: principal.isStaff, settings: settings)
            }
        case .member, .stranger:
            return .notFound
        }
    }

    private static func verb(_ action: ImageAction) -> String {
        switch action {
        case .update: "change"
        case .delete: "delete"
        case .upload: "upload data to"
        default: action.rawValue
        }
    }
}
