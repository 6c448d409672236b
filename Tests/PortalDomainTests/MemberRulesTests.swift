import Foundation
import PortalDomain
import Testing

// MemberRules against PRODUCT.md "Sharing rules" 1–10 and "Glance v1" (seed 003 memberships).

@Suite("MemberRules")
struct MemberRulesTests {
    // MARK: - newMember

    @Test func newMember_wellFormedDDI_isPendingWithTimestamps() {
        // Given a shared image with no members
        let image = makeImage(visibility: .shared)
        // When
        let member = try? MemberRules.newMember("2002", image: image, existing: [], quota: 128, now: Instants.t1)
        // Then
        #expect(member == Member(imageID: image.id, memberID: Tenants.consumer, status: .pending, canShare: false, createdAt: Instants.t1, updatedAt: Instants.t1))
    }

    @Test func newMember_withCanShare_recordsIt() {
        let member = try? MemberRules.newMember("2002", image: makeImage(), existing: [], quota: 128, canShare: true, now: Instants.t1)
        #expect(member?.canShare == true)
        #expect(member?.status == .pending)
    }

    @Test func newMember_ddiWithoutAnAccount_isAcceptedLikeAnyOther() {
        // Given a well-formed DDI no tenant holds (the rules cannot even tell: no existence oracle, rule 6)
        let image = makeImage()
        // When
        let member = try? MemberRules.newMember("9999999999999999", image: image, existing: [], quota: 128, now: Instants.t1)
        // Then
        #expect(member?.memberID.rawValue == "9999999999999999")
        #expect(member?.status == .pending)
    }

    @Test(arguments: [Visibility.public, .community, .private])
    func newMember_onNonSharedImage_isForbidden(_ visibility: Visibility) {
        // Given
        let image = makeImage(visibility: visibility)
        // When
        let error = refusal { () throws(DomainError) in try MemberRules.newMember("2002", image: image, existing: [], quota: 128, now: Instants.t1) }
        // Then
        #expect(error == .forbidden("Only shared images have members."))
    }

    @Test(arguments: ["", "abc", "12a", " 2002", "2002 ", "-2002", "+2002", "12345678901234567", "١٢٣", "２００２", "20.02", "0x10"])
    func newMember_malformedDDI_is400(_ candidate: String) {
        #expect(status { () throws(DomainError) in try MemberRules.newMember(candidate, image: makeImage(), existing: [], quota: 128, now: Instants.t1) } == 400)
    }

    @Test func newMember_ownersOwnDDI_is400() {
        let error = refusal { () throws(DomainError) in try MemberRules.newMember("1001", image: makeImage(), existing: [], quota: 128, now: Instants.t1) }
        #expect(error?.statusCode == 400)
    }

    @Test(arguments: MemberStatus.allCases)
    func newMember_twice_isConflictWhateverTheFirstOnesStatus(_ existingStatus: MemberStatus) {
        // Given the tenant is already a member
        let existing = [makeMember(Tenants.consumer, status: existingStatus)]
        // When / Then
        #expect(status { () throws(DomainError) in try MemberRules.newMember("2002", image: makeImage(), existing: existing, quota: 128, now: Instants.t1) } == 409)
    }

    @Test(arguments: [(0, 0, 413), (0, 1, 200), (1, 1, 413), (127, 128, 200), (128, 128, 413), (129, 128, 413)])
    func newMember_quotaBoundary(_ existingCount: Int, _ quota: Int, _ expected: Int) {
        // Given `existingCount` members on the image
        let existing = (0..<existingCount).map { makeMember(TenantID(rawValue: String(500_000 + $0))!) }
        // When / Then
        #expect(status { () throws(DomainError) in try MemberRules.newMember("2002", image: makeImage(), existing: existing, quota: quota, now: Instants.t1) } == expected)
    }

    @Test func newMember_defaultQuota_is128() {
        #expect(MemberRules.defaultQuota == 128)
    }

    // MARK: - changingStatus

    @Test(arguments: MemberStatus.allCases, MemberStatus.allCases)
    func changingStatus_anyTransitionIncludingRejectedToPending_isAllowed(_ from: MemberStatus, _ to: MemberStatus) {
        // Given
        let member = makeMember(Tenants.consumer, status: from)
        // When
        let updated = try? MemberRules.changingStatus(of: member, to: to.rawValue, now: Instants.t1)
        // Then
        #expect(updated?.status == to)
        #expect(updated?.updatedAt == (from == to ? Instants.t0 : Instants.t1))
        #expect(updated?.createdAt == Instants.t0)
        #expect(updated?.canShare == member.canShare)
    }

    @Test(arguments: ["", "ACCEPTED", "Accepted", "accept", "deleted", "all", " pending"])
    func changingStatus_invalidValue_is400(_ text: String) {
        #expect(status { () throws(DomainError) in try MemberRules.changingStatus(of: makeMember(Tenants.consumer), to: text, now: Instants.t1) } == 400)
    }

    // MARK: - visibleMembers

    static let allMembers = [
        makeMember(Tenants.consumer, status: .accepted), makeMember(Tenants.consumer2, status: .rejected),
        makeMember(Tenants.otherAdmin, status: .pending),
    ]

    @Test(arguments: [
        (Principals.owner, [Tenants.consumer, Tenants.consumer2, Tenants.otherAdmin]),
        (Principals.ownerAdmin, [Tenants.consumer, Tenants.consumer2, Tenants.otherAdmin]),
        (Principals.staffAdmin, [Tenants.consumer, Tenants.consumer2, Tenants.otherAdmin]),
        (Principals.support, [Tenants.consumer, Tenants.consumer2, Tenants.otherAdmin]),
        (Principals.consumer, [Tenants.consumer]),
        (Principals.consumer2, [Tenants.consumer2]),
        (Principals.stranger, []),
    ])
    func visibleMembers_ownerAndStaffSeeAll_aMemberOnlyItself(_ principal: Principal, _ expected: [TenantID]) {
        // When
        let visible = MemberRules.visibleMembers(Self.allMembers, to: principal, image: makeImage())
        // Then
        #expect(visible.map(\.memberID) == expected)
    }

    @Test func visibleMembers_adminOfAnotherTenant_seesAll() {
        // An admin-role token of another tenant reads across tenants (Glance's is_admin); here it is also a member.
        let visible = MemberRules.visibleMembers(Self.allMembers, to: Principals.tenantAdmin, image: makeImage())
        #expect(visible.count == 3)
    }

    // MARK: - removalCandidates

    @Test func removalCandidates_areTheRejectedMembersSortedByDDI() {
        // Given
        let members = [
            makeMember(TenantID(rawValue: "3000")!, status: .rejected), makeMember(TenantID(rawValue: "2000")!, status: .accepted),
            makeMember(TenantID(rawValue: "1000")!, status: .rejected), makeMember(TenantID(rawValue: "4000")!, status: .pending),
        ]
        // When
        let candidates = MemberRules.removalCandidates(members)
        // Then
        #expect(candidates.map(\.memberID.rawValue) == ["1000", "3000"])
    }

    @Test func removalCandidates_noneRejected_isEmpty() {
        #expect(MemberRules.removalCandidates([makeMember(Tenants.consumer, status: .pending)]).isEmpty)
    }

    // MARK: - replacing (v1 PUT /images/{id}/members)

    @Test func replacing_computesAddedUpdatedAndRemoved() {
        // Given three existing members
        let existing = [
            makeMember(Tenants.consumer, status: .accepted, canShare: false),
            makeMember(Tenants.consumer2, status: .rejected, canShare: true),
            makeMember(Tenants.stranger, status: .pending, canShare: false),
        ]
        // When the list names consumer (can_share on), consumer2 (can_share omitted) and a new tenant
        let plan = try? MemberRules.replacing(
            existing, with: [(member: "2002", canShare: true), (member: "3003", canShare: nil), (member: "6006", canShare: nil)],
            image: makeImage(), quota: 128, now: Instants.t1)
        // Then
        #expect(plan?.added == [Member(imageID: ImageIDs.subject, memberID: TenantID(rawValue: "6006")!, status: .pending, canShare: false, createdAt: Instants.t1, updatedAt: Instants.t1)])
        #expect(plan?.updated == [Member(imageID: ImageIDs.subject, memberID: Tenants.consumer, status: .accepted, canShare: true, createdAt: Instants.t0, updatedAt: Instants.t1)])
        #expect(plan?.removed == [existing[2]])
    }

    @Test func replacing_canShareNil_keepsTheExistingValue() {
        let existing = [makeMember(Tenants.consumer, status: .accepted, canShare: true)]
        let plan = try? MemberRules.replacing(existing, with: [(member: "2002", canShare: nil)], image: makeImage(), quota: 128, now: Instants.t1)
        #expect(plan?.added == [])
        #expect(plan?.updated == [])
        #expect(plan?.removed == [])
    }

    @Test func replacing_sameCanShare_isNotAnUpdate() {
        let existing = [makeMember(Tenants.consumer, status: .accepted, canShare: false)]
        let plan = try? MemberRules.replacing(existing, with: [(member: "2002", canShare: false)], image: makeImage(), quota: 128, now: Instants.t1)
        #expect(plan?.updated == [])
    }

    @Test func replacing_newMemberWithCanShare_takesIt() {
        let plan = try? MemberRules.replacing([], with: [(member: "2002", canShare: true)], image: makeImage(), quota: 128, now: Instants.t1)
        #expect(plan?.added.first?.canShare == true)
        #expect(plan?.added.first?.status == .pending)
    }

    @Test func replacing_emptyList_removesEveryone() {
        let existing = [makeMember(Tenants.consumer), makeMember(Tenants.consumer2)]
        let plan = try? MemberRules.replacing(existing, with: [], image: makeImage(), quota: 128, now: Instants.t1)
        #expect(plan?.removed == existing)
        #expect(plan?.added == [])
    }

    @Test func replacing_duplicateEntries_countOnceAndTheLastCanShareWins() {
        let plan = try? MemberRules.replacing(
            [], with: [(member: "2002", canShare: true), (member: "2002", canShare: false)], image: makeImage(), quota: 128, now: Instants.t1)
        #expect(plan?.added.map(\.memberID) == [Tenants.consumer])
        #expect(plan?.added.first?.canShare == false)
    }

    @Test func replacing_ownerInTheList_is400() {
        #expect(status { () throws(DomainError) in try MemberRules.replacing([], with: [(member: "1001", canShare: nil)], image: makeImage(), quota: 128, now: Instants.t1) } == 400)
    }

    @Test func replacing_malformedDDI_is400() {
        #expect(status { () throws(DomainError) in try MemberRules.replacing([], with: [(member: "x", canShare: nil)], image: makeImage(), quota: 128, now: Instants.t1) } == 400)
    }

    @Test func replacing_beyondTheQuota_is413() {
        let wanted: [(member: String, canShare: Bool?)] = (1...3).map { (member: String(7000 + $0), canShare: nil) }
        #expect(status { () throws(DomainError) in try MemberRules.replacing([], with: wanted, image: makeImage(), quota: 3, now: Instants.t1) } == 200)
        #expect(status { () throws(DomainError) in try MemberRules.replacing([], with: wanted, image: makeImage(), quota: 2, now: Instants.t1) } == 413)
    }

    // MARK: - requireShared

    @Test(arguments: Visibility.allCases)
    func requireShared_onlySharedImagesHaveMembers(_ visibility: Visibility) {
        #expect(status { () throws(DomainError) in try MemberRules.requireShared(makeImage(visibility: visibility)) } == (visibility == .shared ? 200 : 403))
    }
}

@Suite("MemberStatus")
struct MemberStatusTests {
    @Test(arguments: MemberStatus.allCases)
    func parse_knownValue_roundTrips(_ value: MemberStatus) {
        #expect((try? MemberStatus.parse(value.rawValue)) == value)
    }

    @Test func parse_unknownValue_namesTheAllowedOnes() {
        let error = refusal { () throws(DomainError) in try MemberStatus.parse("maybe") }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("pending, accepted or rejected") == true)
    }
}
