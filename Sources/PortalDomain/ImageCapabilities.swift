/// What one principal may do with one image, decided once from the access policy and the
/// lifecycle rules, so that a page can offer exactly the actions the API would allow.
package struct ImageCapabilities: Hashable, Sendable {
    /// The caller owns the image.
    package var isOwner: Bool
    /// The caller's own member record, when it is a member.
    package var membership: Member?
    /// May download the data now (policy and lifecycle: active, or deactivated for admins).
    package var canDownload: Bool
    /// May boot a server from it now.
    package var canBoot: Bool
    /// May change its metadata.
    package var canEdit: Bool
    /// May delete it now (not protected).
    package var canDelete: Bool
    /// May deactivate it now (it is active).
    package var canDeactivate: Bool
    /// May reactivate it now (it is deactivated).
    package var canReactivate: Bool
    /// May add members now: the owner, admins, or a v1 member with can_share, on a shared image.
    package var canShare: Bool
    /// May share a private image by first making it shared (the portal offers both in one form).
    package var canShareAfterMakingShared: Bool
    /// May remove members now (only shared images have members to remove).
    package var canRemoveMembers: Bool
    /// Sees every member record (owner and staff); a member sees only its own.
    package var seesAllMembers: Bool
    /// May export it (the export checklist decides the rest).
    package var canExport: Bool
    /// The answers the member may give now (never the status it already has).
    package var answers: [MemberStatus]
    /// The visibilities the caller may choose in an edit, the current one included.
    package var visibilityChoices: [Visibility]

    /// Works the capabilities out.
    package init(image: Image, membership: Member?, principal: Principal, settings: AccessSettings) {
        func allowed(_ action: ImageAction) -> Bool {
            AccessPolicy.decide(action, image: image, membership: membership, principal: principal, settings: settings) == .allow
        }
        isOwner = principal.tenantID == image.owner
        self.membership = membership.flatMap { $0.memberID == principal.tenantID && $0.imageID == image.id ? $0 : nil }
        let hasData: Bool =
            if case .data? = try? ImageRules.downloadPlan(for: image, by: principal) { true } else { false }
        canDownload = allowed(.download) && hasData
        canBoot = allowed(.boot) && (try? ImageRules.requireBootable(image)) != nil
        canEdit = allowed(.update)
        canDelete = allowed(.delete) && !image.protected
        canDeactivate = canEdit && image.status == .active
        canReactivate = canEdit && image.status == .deactivated
        canShare = allowed(.addMember) && image.visibility == .shared
        canShareAfterMakingShared = allowed(.addMember) && image.visibility == .private && canEdit
        canRemoveMembers = allowed(.removeMember) && image.visibility == .shared
        seesAllMembers = isOwner || principal.readsAcrossTenants
        canExport = allowed(.export)
        if let own = self.membership,
            AccessPolicy.decideMemberRecord(.updateStatus, target: own.memberID, image: image, membership: own, principal: principal, settings: settings)
                == .allow
        {
            answers = MemberStatus.allCases.filter { $0 != own.status }
        } else {
            answers = []
        }
        visibilityChoices = Visibility.allCases.filter {
            $0 == image.visibility || (try? ImageRules.checkVisibilityChange(to: $0, by: principal)) != nil
        }
    }
}
