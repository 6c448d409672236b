import PortalDomain
import Testing

// The access policy, cell by cell, against PRODUCT.md ("Sharing rules", "Visibility", "Lineage and
// export", "Compatibility facts") and Glance's observed answers.

// MARK: - The callers of the matrix

/// How a caller stands towards the image under test (owned by `Tenants.owner`).
enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The owner tenant, role member.
    case owner
    /// The owner tenant, role admin.
    case ownerAdmin
    /// A tenant token with the admin role, of another tenant.
    case tenantAdmin
    /// Staff, role admin.
    case staffAdmin
    /// Staff, role support (read-only across tenants).
    case support
    /// A member whose status is pending.
    case memberPending
    /// A member whose status is accepted.
    case memberAccepted
    /// A member whose status is rejected.
    case memberRejected
    /// A (pending) member the owner gave v1 `can_share`.
    case memberCanShare
    /// A tenant with no relation to the image.
    case stranger

    var principal: Principal {
        switch self {
        case .owner: Principals.owner
        case .ownerAdmin: Principals.ownerAdmin
        case .tenantAdmin: Principals.tenantAdmin
        case .staffAdmin: Principals.staffAdmin
        case .support: Principals.support
        case .memberPending, .memberAccepted, .memberRejected, .memberCanShare: Principals.consumer
        case .stranger: Principals.stranger
        }
    }

    /// The caller's own member record on `image`, if it is a member.
    func membership(of image: Image) -> Member? {
        switch self {
        case .memberPending: makeMember(Tenants.consumer, of: image.id, status: .pending)
        case .memberAccepted: makeMember(Tenants.consumer, of: image.id, status: .accepted)
        case .memberRejected: makeMember(Tenants.consumer, of: image.id, status: .rejected)
        case .memberCanShare: makeMember(Tenants.consumer, of: image.id, status: .pending, canShare: true)
        default: nil
        }
    }

    var isMember: Bool {
        switch self {
        case .memberPending, .memberAccepted, .memberRejected, .memberCanShare: true
        default: false
        }
    }

    var testDescription: String { rawValue }
}

/// Which operator settings a matrix row is evaluated under.
enum SettingsVariant: String, CaseIterable, Sendable {
    case standard
    case rejectedMembersLoseAccess
    case supportMayDownload

    var settings: AccessSettings {
        switch self {
        case .standard: .standard
        case .rejectedMembersLoseAccess: AccessSettings(rejectedMembersLoseAccess: true)
        case .supportMayDownload: AccessSettings(supportMayDownload: true)
        }
    }
}

// MARK: - The expected-outcome matrix

/// The column order of every matrix string, grouped as
/// `show list download boot - update delete upload - addMember removeMember listMembers - setOwnStatus export`.
private let matrixActions: [ImageAction] = [
    .show, .list, .download, .boot,
    .update, .delete, .upload,
    .addMember, .removeMember, .listMembers,
    .setOwnStatus, .export,
]

/// One row per (caller, visibility) under `AccessSettings.standard`, derived from PRODUCT.md:
/// A = allow, N = notFound (404: the caller may not know the image exists), F = forbidden (403).
///
/// Reading notes, column by column:
/// - show/download/boot: a member uses the image whatever its status (rule 5); public and community
///   images are usable by everyone; shared and private images do not exist for strangers (404, never 403);
///   a member of an image switched to private gets 404 (compatibility facts); staff have no servers (boot F);
///   support is read-only (download F unless the operator allows it).
/// - list: the owner lists its own images; admins and support list across tenants except other tenants'
///   community images (Glance's default list); members list a shared image only while accepted (rule 4);
///   community images are in nobody's default list but their owner's.
/// - update/delete/upload: only the owner and admins change an image; support is read-only.
/// - addMember/removeMember/listMembers: the owner (and admins) manage members; a `can_share` member may add
///   but never remove (Glance v1); a member lists only itself; anyone else who can see the image gets 403.
///   Glance's "members only on shared images" (rule 8) is `MemberRules.requireShared`, checked after the
///   policy (a v1 member add turns a private image shared), and tested below with the policy.
/// - setOwnStatus: only a member changes its own status (rule 2); the owner may not (403).
/// - export: only the owner (check 1); admins, support and consumers are refused (403).
private let standardMatrix: [Caller: [Visibility: String]] = [
    //                     public             community          shared             private
    .owner: row(           "AAAA-AAA-AAA-FA", "AAAA-AAA-AAA-FA", "AAAA-AAA-AAA-FA", "AAAA-AAA-AAA-FA"),
    .ownerAdmin: row(      "AAAA-AAA-AAA-FA", "AAAA-AAA-AAA-FA", "AAAA-AAA-AAA-FA", "AAAA-AAA-AAA-FA"),
    .tenantAdmin: row(     "AAAA-AAA-AAA-FF", "ANAA-AAA-AAA-FF", "AAAA-AAA-AAA-FF", "AAAA-AAA-AAA-FF"),
    .staffAdmin: row(      "AAAF-AAA-AAA-FF", "ANAF-AAA-AAA-FF", "AAAF-AAA-AAA-FF", "AAAF-AAA-AAA-FF"),
    .support: row(         "AAFF-FFF-FFA-FF", "ANFF-FFF-FFA-FF", "AAFF-FFF-FFA-FF", "AAFF-FFF-FFA-FF"),
    .memberPending: row(   "AAAA-FFF-FFA-AF", "ANAA-FFF-FFA-AF", "ANAA-FFF-FFA-AF", "NNNN-NNN-NNN-NN"),
    .memberAccepted: row(  "AAAA-FFF-FFA-AF", "ANAA-FFF-FFA-AF", "AAAA-FFF-FFA-AF", "NNNN-NNN-NNN-NN"),
    .memberRejected: row(  "AAAA-FFF-FFA-AF", "ANAA-FFF-FFA-AF", "ANAA-FFF-FFA-AF", "NNNN-NNN-NNN-NN"),
    .memberCanShare: row(  "AAAA-FFF-AFA-AF", "ANAA-FFF-AFA-AF", "ANAA-FFF-AFA-AF", "NNNN-NNN-NNN-NN"),
    // A stranger is not a member: on an image it can see, changing "its own" status is refused like
    // any other member operation (403, Glance's "Only shared images have members.").
    .stranger: row(        "AAAA-FFF-FFF-FF", "ANAA-FFF-FFF-FF", "NNNN-NNN-NNN-NN", "NNNN-NNN-NNN-NN"),
]

/// The rows that differ from the standard matrix under each operator setting.
private let settingOverrides: [SettingsVariant: [Caller: [Visibility: String]]] = [
    .standard: [:],
    // Seed 004's reading: a rejected member loses sight of a shared image (404), but may still
    // change its own answer (otherwise "rejected" could never be taken back).
    .rejectedMembersLoseAccess: [
        .memberRejected: [.shared: "NNNN-NNN-NNN-AN"]
    ],
    // Support may read image data; everything else stays read-only.
    .supportMayDownload: [
        .support: row("AAAF-FFF-FFA-FF", "ANAF-FFF-FFA-FF", "AAAF-FFF-FFA-FF", "AAAF-FFF-FFA-FF")
    ],
]

private func row(_ publicCodes: String, _ communityCodes: String, _ sharedCodes: String, _ privateCodes: String) -> [Visibility: String] {
    [.public: publicCodes, .community: communityCodes, .shared: sharedCodes, .private: privateCodes]
}

/// One (settings, caller, visibility) row of the matrix.
struct MatrixRow: Sendable, CustomTestStringConvertible {
    var variant: SettingsVariant
    var caller: Caller
    var visibility: Visibility
    /// One code per action of `matrixActions`.
    var codes: [Character]

    var testDescription: String { "\(variant.rawValue): \(caller.rawValue) on a \(visibility.rawValue) image" }
}

private let matrixRows: [MatrixRow] = SettingsVariant.allCases.flatMap { variant in
    Caller.allCases.flatMap { caller in
        Visibility.allCases.map { visibility in
            let text = settingOverrides[variant]?[caller]?[visibility] ?? standardMatrix[caller]![visibility]!
            return MatrixRow(variant: variant, caller: caller, visibility: visibility, codes: text.filter { $0 != "-" }.map { $0 })
        }
    }
}

/// The matrix code of a decision.
private func code(_ decision: Decision) -> Character {
    switch decision {
    case .allow: "A"
    case .notFound: "N"
    case .forbidden: "F"
    }
}

// MARK: - AccessPolicy.decide

@Suite("AccessPolicy")
struct AccessPolicyTests {
    @Test func matrix_coversEveryActionOnceAndEveryCallerAndVisibility() {
        // Given the matrix's column order and rows
        // Then every action has exactly one column, and every row has one code per column
        #expect(matrixActions.count == ImageAction.allCases.count)
        #expect(Set(matrixActions) == Set(ImageAction.allCases))
        #expect(matrixRows.count == SettingsVariant.allCases.count * Caller.allCases.count * Visibility.allCases.count)
        for row in matrixRows {
            #expect(row.codes.count == matrixActions.count, "\(row.testDescription)")
            #expect(row.codes.allSatisfy { "ANF".contains($0) }, "\(row.testDescription)")
        }
    }

    @Test("decide answers as the matrix says", arguments: matrixRows)
    func decide_forEveryCallerVisibilityAndAction_matchesTheMatrix(_ row: MatrixRow) {
        // Given an active image with that visibility, and the caller's own membership
        let image = makeImage(visibility: row.visibility)
        let membership = row.caller.membership(of: image)
        for (action, expected) in zip(matrixActions, row.codes) {
            // When
            let decision = AccessPolicy.decide(
                action, image: image, membership: membership, principal: row.caller.principal, settings: row.variant.settings)
            // Then
            #expect(code(decision) == expected, "\(row.testDescription), action \(action.rawValue): got \(decision)")
        }
    }

    @Test("a forbidden answer always carries a reason to show", arguments: matrixRows)
    func decide_whenForbidden_givesANonEmptyReason(_ row: MatrixRow) {
        // Given
        let image = makeImage(visibility: row.visibility)
        for action in ImageAction.allCases {
            // When
            let decision = AccessPolicy.decide(
                action, image: image, membership: row.caller.membership(of: image), principal: row.caller.principal,
                settings: row.variant.settings)
            // Then
            if case .forbidden(let reason) = decision {
                #expect(!reason.isEmpty, "\(row.testDescription), action \(action.rawValue)")
            }
        }
    }

    @Test(arguments: SettingsVariant.allCases, Caller.allCases)
    func decide_onDeletedImage_isNotFoundForEveryoneAndEveryAction(_ variant: SettingsVariant, _ caller: Caller) {
        for visibility in Visibility.allCases {
            // Given a deleted image (its row is kept for lineage and audit)
            let image = makeImage(status: .deleted, visibility: visibility)
            for action in ImageAction.allCases {
                // When
                let decision = AccessPolicy.decide(
                    action, image: image, membership: caller.membership(of: image), principal: caller.principal, settings: variant.settings)
                // Then
                #expect(decision == .notFound, "\(caller.rawValue), \(visibility.rawValue), \(action.rawValue)")
            }
        }
    }

    @Test(arguments: [ImageStatus.queued, .saving, .importing, .deactivated, .killed])
    func decide_onNonDeletedStatuses_doesNotHideTheImage(_ status: ImageStatus) {
        // Given a member's view of a shared image in some lifecycle status
        let image = makeImage(status: status, visibility: .shared)
        // When
        let decision = AccessPolicy.decide(.show, image: image, membership: makeMember(Tenants.consumer), principal: Principals.consumer, settings: .standard)
        // Then
        #expect(decision == .allow)
    }

    @Test func decide_withMembershipOfAnotherTenant_treatsCallerAsStranger() {
        // Given a shared image and a member record that belongs to someone else
        let image = makeImage(visibility: .shared)
        let someoneElses = makeMember(Tenants.consumer2, status: .accepted)
        // When
        let decision = AccessPolicy.decide(.show, image: image, membership: someoneElses, principal: Principals.stranger, settings: .standard)
        // Then
        #expect(decision == .notFound)
    }

    @Test func decide_withMembershipOfAnotherImage_treatsCallerAsStranger() {
        // Given a member record for a different image
        let image = makeImage(visibility: .shared)
        let elsewhere = makeMember(Tenants.consumer, of: ImageIDs.other, status: .accepted)
        // When
        let decision = AccessPolicy.decide(.download, image: image, membership: elsewhere, principal: Principals.consumer, settings: .standard)
        // Then
        #expect(decision == .notFound)
    }

    @Test func decide_memberOfImageSwitchedToPrivateAndBack_losesThenRegainsAccess() {
        // Given an accepted member of a shared image
        var image = makeImage(visibility: .shared)
        let membership = makeMember(Tenants.consumer, status: .accepted)
        #expect(AccessPolicy.decide(.show, image: image, membership: membership, principal: Principals.consumer, settings: .standard) == .allow)
        // When the owner makes it private
        image.visibility = .private
        // Then the member gets 404, its record untouched
        #expect(AccessPolicy.decide(.show, image: image, membership: membership, principal: Principals.consumer, settings: .standard) == .notFound)
        // When the owner shares it again
        image.visibility = .shared
        // Then access is restored
        #expect(AccessPolicy.decide(.boot, image: image, membership: membership, principal: Principals.consumer, settings: .standard) == .allow)
        #expect(AccessPolicy.decide(.list, image: image, membership: membership, principal: Principals.consumer, settings: .standard) == .allow)
    }

    @Test func decide_rejectedMemberWithLoseAccess_mayTakeBackItsAnswerButStillNotSeeAPrivateImage() {
        // Given rejected-members-lose-access, and a rejected member
        let settings = AccessSettings(rejectedMembersLoseAccess: true)
        let membership = makeMember(Tenants.consumer, status: .rejected)
        // When / Then: on a shared image it may change its status, not see the image
        let shared = makeImage(visibility: .shared)
        #expect(AccessPolicy.decide(.setOwnStatus, image: shared, membership: membership, principal: Principals.consumer, settings: settings) == .allow)
        #expect(AccessPolicy.decide(.show, image: shared, membership: membership, principal: Principals.consumer, settings: settings) == .notFound)
        // and on a private image nothing at all
        let hidden = makeImage(visibility: .private)
        #expect(AccessPolicy.decide(.setOwnStatus, image: hidden, membership: membership, principal: Principals.consumer, settings: settings) == .notFound)
    }

    @Test func decide_supportForbiddenReasons_sayReadOnly() {
        // Given
        let image = makeImage(visibility: .shared)
        // When
        let update = AccessPolicy.decide(.update, image: image, membership: nil, principal: Principals.support, settings: .standard)
        let download = AccessPolicy.decide(.download, image: image, membership: nil, principal: Principals.support, settings: .standard)
        // Then
        #expect(update == .forbidden("Support staff have read-only access."))
        #expect(download == .forbidden("Support staff may not download image data."))
    }

    @Test func decide_relationOverload_agreesWithThePrincipalOverload() {
        // Given every caller, visibility and action
        for caller in Caller.allCases {
            for visibility in Visibility.allCases {
                let image = makeImage(visibility: visibility)
                let membership = caller.membership(of: image)
                let relation = Relation.of(caller.principal, to: image, membership: membership)
                for action in ImageAction.allCases {
                    // When
                    let viaPrincipal = AccessPolicy.decide(action, image: image, membership: membership, principal: caller.principal, settings: .standard)
                    let viaRelation = AccessPolicy.decide(action, image: image, relation: relation, isStaff: caller.principal.isStaff, settings: .standard)
                    // Then
                    #expect(viaPrincipal == viaRelation, "\(caller.rawValue), \(visibility.rawValue), \(action.rawValue)")
                }
            }
        }
    }

    // MARK: Rule 8, with MemberRules: members only on shared images

    @Test(
        "v2 member endpoints on a non-shared image: 403 for whoever sees it, 404 for the rest",
        arguments: Caller.allCases, [Visibility.public, .community, .private])
    func memberEndpoints_onNonSharedImage_are403WhenVisibleElse404(_ caller: Caller, _ visibility: Visibility) {
        // Given a non-shared image
        let image = makeImage(visibility: visibility)
        let seesIt = visibility != .private || !(caller.isMember || caller == .stranger)
        for action in [ImageAction.listMembers, .addMember, .removeMember] {
            // When the API authorises the action, then applies Glance's shared-only rule
            let outcome = status {
                () throws(DomainError) in
                try AccessPolicy.decide(action, image: image, membership: caller.membership(of: image), principal: caller.principal, settings: .standard)
                    .require(image.id.rawValue)
                try MemberRules.requireShared(image)
            }
            // Then
            #expect(outcome == (seesIt ? 403 : 404), "\(caller.rawValue), \(action.rawValue)")
        }
    }
}

// MARK: - Decision

@Suite("Decision")
struct DecisionTests {
    @Test func require_allow_doesNotThrow() {
        #expect(status { () throws(DomainError) in try Decision.allow.require("x") } == 200)
    }

    @Test func require_notFound_throwsNotFoundNamingTheImage() {
        // When
        let error = refusal { () throws(DomainError) in try Decision.notFound.require("abc") }
        // Then
        #expect(error == .notFound("No image with ID abc."))
    }

    @Test func require_forbidden_throwsForbiddenWithTheReason() {
        // When
        let error = refusal { () throws(DomainError) in try Decision.forbidden("Because.").require("abc") }
        // Then
        #expect(error == .forbidden("Because."))
    }
}

// MARK: - Relation

@Suite("Relation")
struct RelationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var principal: Principal
        var membership: Member?
        var expected: Relation
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "owner, role member", principal: Principals.owner, membership: nil, expected: .owner),
        Case(name: "owner, role admin", principal: Principals.ownerAdmin, membership: nil, expected: .owner),
        Case(name: "admin of another tenant", principal: Principals.tenantAdmin, membership: nil, expected: .admin),
        Case(
            name: "admin of another tenant that is also a member", principal: Principals.tenantAdmin,
            membership: makeMember(Tenants.otherAdmin, status: .accepted), expected: .admin),
        Case(name: "staff admin", principal: Principals.staffAdmin, membership: nil, expected: .admin),
        Case(name: "staff support", principal: Principals.support, membership: nil, expected: .support),
        Case(
            name: "member", principal: Principals.consumer, membership: makeMember(Tenants.consumer, status: .rejected),
            expected: .member(.rejected, canShare: false)),
        Case(
            name: "member with can_share", principal: Principals.consumer,
            membership: makeMember(Tenants.consumer, status: .accepted, canShare: true), expected: .member(.accepted, canShare: true)),
        Case(name: "tenant without membership", principal: Principals.consumer, membership: nil, expected: .stranger),
        Case(
            name: "tenant holding another tenant's record", principal: Principals.stranger,
            membership: makeMember(Tenants.consumer, status: .accepted), expected: .stranger),
        Case(
            name: "member of another image", principal: Principals.consumer,
            membership: makeMember(Tenants.consumer, of: ImageIDs.other, status: .accepted), expected: .stranger),
    ]

    @Test(arguments: cases)
    func of_principalAndMembership_givesTheRelation(_ c: Case) {
        // Given a shared image owned by Tenants.owner
        let image = makeImage(visibility: .shared)
        // When
        let relation = Relation.of(c.principal, to: image, membership: c.membership)
        // Then
        #expect(relation == c.expected)
    }
}

// MARK: - AccessPolicy.decideMemberRecord

@Suite("AccessPolicy.decideMemberRecord")
struct MemberRecordPolicyTests {
    /// Whose record the caller asks about.
    enum Target: String, Sendable { case itself, anotherMember }

    struct Row: Sendable, CustomTestStringConvertible {
        var caller: Caller
        var target: Target
        var visibilities: [Visibility]
        /// Expected codes for (read, updateStatus): A, N or F.
        var read: Character
        var update: Character
        var testDescription: String {
            "\(caller.rawValue) on \(target.rawValue) (\(visibilities.map(\.rawValue).joined(separator: "/")))"
        }
    }

    /// Glance's answers (image_members.py): a member reads and updates only its own record; the owner,
    /// admins and support read any record but may not set a status (rule 2); another member's record
    /// is 404; strangers get 404. On a non-shared image `GET .../members/{id}` is 404 for everyone (Glance
    /// turns its "Only shared images have members." into 404 there), while `PUT` is 403 for anyone who
    /// can see the image (rule 8) and 404 for those who cannot (members of a private image, strangers
    /// of a private one).
    static let rows: [Row] = [
        // shared
        Row(caller: .owner, target: .anotherMember, visibilities: [.shared], read: "A", update: "F"),
        Row(caller: .ownerAdmin, target: .anotherMember, visibilities: [.shared], read: "A", update: "F"),
        Row(caller: .tenantAdmin, target: .anotherMember, visibilities: [.shared], read: "A", update: "F"),
        Row(caller: .staffAdmin, target: .anotherMember, visibilities: [.shared], read: "A", update: "F"),
        Row(caller: .support, target: .anotherMember, visibilities: [.shared], read: "A", update: "F"),
        Row(caller: .memberPending, target: .itself, visibilities: [.shared], read: "A", update: "A"),
        Row(caller: .memberAccepted, target: .itself, visibilities: [.shared], read: "A", update: "A"),
        Row(caller: .memberRejected, target: .itself, visibilities: [.shared], read: "A", update: "A"),
        Row(caller: .memberCanShare, target: .itself, visibilities: [.shared], read: "A", update: "A"),
        Row(caller: .memberPending, target: .anotherMember, visibilities: [.shared], read: "N", update: "N"),
        Row(caller: .memberAccepted, target: .anotherMember, visibilities: [.shared], read: "N", update: "N"),
        Row(caller: .memberCanShare, target: .anotherMember, visibilities: [.shared], read: "N", update: "N"),
        Row(caller: .stranger, target: .anotherMember, visibilities: [.shared], read: "N", update: "N"),
        Row(caller: .stranger, target: .itself, visibilities: [.shared], read: "N", update: "N"),
        // private: hidden from members and strangers; visible to owner and staff, who get 404 / 403
        Row(caller: .owner, target: .anotherMember, visibilities: [.private], read: "N", update: "F"),
        Row(caller: .tenantAdmin, target: .anotherMember, visibilities: [.private], read: "N", update: "F"),
        Row(caller: .support, target: .anotherMember, visibilities: [.private], read: "N", update: "F"),
        Row(caller: .memberAccepted, target: .itself, visibilities: [.private], read: "N", update: "N"),
        Row(caller: .memberRejected, target: .itself, visibilities: [.private], read: "N", update: "N"),
        Row(caller: .memberAccepted, target: .anotherMember, visibilities: [.private], read: "N", update: "N"),
        Row(caller: .stranger, target: .itself, visibilities: [.private], read: "N", update: "N"),
        // public and community: everyone sees the image; no one has members there
        Row(caller: .owner, target: .anotherMember, visibilities: [.public, .community], read: "N", update: "F"),
        Row(caller: .support, target: .anotherMember, visibilities: [.public, .community], read: "N", update: "F"),
        Row(caller: .memberAccepted, target: .itself, visibilities: [.public, .community], read: "N", update: "F"),
        Row(caller: .memberAccepted, target: .anotherMember, visibilities: [.public, .community], read: "N", update: "F"),
        Row(caller: .stranger, target: .itself, visibilities: [.public, .community], read: "N", update: "F"),
    ]

    @Test(arguments: rows)
    func decideMemberRecord_matchesGlance(_ row: Row) {
        for visibility in row.visibilities {
            // Given an image with two members: the caller (if a member) and Tenants.consumer2
            let image = makeImage(visibility: visibility)
            let target: TenantID =
                switch row.target {
                case .itself: row.caller.principal.tenantID ?? Tenants.consumer
                case .anotherMember: Tenants.consumer2
                }
            let membership = row.caller.membership(of: image)
            // When
            let read = AccessPolicy.decideMemberRecord(.read, target: target, image: image, membership: membership, principal: row.caller.principal, settings: .standard)
            let update = AccessPolicy.decideMemberRecord(
                .updateStatus, target: target, image: image, membership: membership, principal: row.caller.principal, settings: .standard)
            // Then
            #expect(code(read) == row.read, "read, \(visibility.rawValue): got \(read)")
            #expect(code(update) == row.update, "updateStatus, \(visibility.rawValue): got \(update)")
        }
    }

    @Test func decideMemberRecord_rejectedMemberWithLoseAccess_mayStillUpdateItsOwnStatus() {
        // Given rejected-members-lose-access and a rejected member of a shared image
        let settings = AccessSettings(rejectedMembersLoseAccess: true)
        let image = makeImage(visibility: .shared)
        let membership = makeMember(Tenants.consumer, status: .rejected)
        // When
        let update = AccessPolicy.decideMemberRecord(
            .updateStatus, target: Tenants.consumer, image: image, membership: membership, principal: Principals.consumer, settings: settings)
        // Then
        #expect(update == .allow)
    }

    @Test(arguments: Caller.allCases)
    func decideMemberRecord_onDeletedImage_isNotFound(_ caller: Caller) {
        // Given a deleted shared image
        let image = makeImage(status: .deleted, visibility: .shared)
        let target = caller.principal.tenantID ?? Tenants.consumer
        for operation in [AccessPolicy.MemberRecordOperation.read, .updateStatus] {
            // When
            let decision = AccessPolicy.decideMemberRecord(
                operation, target: target, image: image, membership: caller.membership(of: image), principal: caller.principal, settings: .standard)
            // Then
            #expect(decision == .notFound, "\(operation)")
        }
    }

    /// Rule 2: the member changes its own status. A member tenant acting with an admin-role token is
    /// still that member (and Glance lets admins modify member records anyway).
    @Test(arguments: MemberStatus.allCases)
    func decideMemberRecord_memberTenantWithAdminRole_mayUpdateItsOwnStatus(_ current: MemberStatus) {
        // Given the consumer tenant, signed in with an admin-role token, is a member of a shared image
        let image = makeImage(visibility: .shared)
        let principal = Principal.tenant(Tenants.consumer, role: .admin)
        let membership = makeMember(Tenants.consumer, status: current)
        // When
        let update = AccessPolicy.decideMemberRecord(.updateStatus, target: Tenants.consumer, image: image, membership: membership, principal: principal, settings: .standard)
        let setOwn = AccessPolicy.decide(.setOwnStatus, image: image, membership: membership, principal: principal, settings: .standard)
        // Then
        #expect(update == .allow)
        #expect(setOwn == .allow)
    }

    @Test func decideMemberRecord_ownerUpdatingStatus_isRefusedWithTheRule() {
        // Given
        let image = makeImage(visibility: .shared)
        // When
        let decision = AccessPolicy.decideMemberRecord(
            .updateStatus, target: Tenants.consumer, image: image, membership: nil, principal: Principals.owner, settings: .standard)
        // Then
        #expect(decision == .forbidden("The image owner may not change a member's status; only the member can."))
    }
}
