import Foundation
import PortalDomain
import Testing

// The accounts one browser session holds (PRODUCT "Several accounts, one person").

private func held(_ key: String, token: String = "tok_0123456789abcdef") -> HeldAccount {
    HeldAccount(key: key, tokenID: TokenID(rawValue: token)!)
}

@Suite("AccountSet")
struct AccountSetTests {
    @Test func keyOf_principal_isIndependentOfRole() {
        #expect(HeldAccount.key(of: Principals.owner) == "t:1001")
        #expect(HeldAccount.key(of: Principals.ownerAdmin) == "t:1001")
        #expect(HeldAccount.key(of: Principals.support) == "s:bob")
        #expect(held("t:1001").tenantID == Tenants.owner)
        #expect(held("s:bob").tenantID == nil)
        #expect(held("t:abc").tenantID == nil)
    }

    @Test func init_first_isActive() {
        let set = AccountSet(first: held("t:1001"))
        #expect(set.active == held("t:1001"))
        #expect(set.others == [])
    }

    @Test func add_newAccount_becomesActive_andOthersListTheRest() throws {
        // Given
        var set = AccountSet(first: held("t:1001"))
        // When
        try set.add(held("t:2002"))
        // Then
        #expect(set.activeKey == "t:2002")
        #expect(set.others.map(\.key) == ["t:1001"])
        #expect(set.accounts.map(\.key) == ["t:1001", "t:2002"])
    }

    @Test func add_heldAccountAgain_replacesItsTokenInPlace() throws {
        var set = AccountSet(first: held("t:1001"))
        try set.add(held("t:2002"))
        try set.add(held("t:1001", token: "tok_ffffffffffffffff"))
        #expect(set.accounts.map(\.key) == ["t:1001", "t:2002"])
        #expect(set.active.tokenID.rawValue == "tok_ffffffffffffffff")
    }

    @Test func add_eleventhAccount_is413() throws {
        // Given ten held accounts
        var set = AccountSet(first: held("t:1"))
        for n in 2...10 { try set.add(held("t:\(n)")) }
        // When / Then
        #expect(status { () throws(DomainError) in try set.add(held("t:11")) } == 413)
        #expect(set.accounts.count == AccountSet.limit)
    }

    @Test func switchTo_heldAccount_makesItActive_unheldIs403() throws {
        var set = AccountSet(first: held("t:1001"))
        try set.add(held("t:2002"))
        try set.switchTo("t:1001")
        #expect(set.activeKey == "t:1001")
        #expect(status { () throws(DomainError) in try set.switchTo("t:3003") } == 403)
        #expect(set.activeKey == "t:1001")
    }

    @Test func remove_activeAccount_makesTheFirstRemainingActive_lastOneReturnsFalse() throws {
        var set = AccountSet(first: held("t:1001"))
        try set.add(held("t:2002"))
        try set.add(held("t:3003"))
        let removedInactive = set.remove("t:3003")
        #expect(removedInactive)
        #expect(set.activeKey == "t:1001")
        let removedActive = set.remove("t:1001")
        #expect(removedActive)
        #expect(set.activeKey == "t:2002")
        let removedLast = set.remove("t:2002")
        #expect(!removedLast)
    }

    @Test func restore_rejectsInconsistentSets() {
        #expect(AccountSet(accounts: [held("t:1"), held("t:2")], activeKey: "t:2")?.activeKey == "t:2")
        #expect(AccountSet(accounts: [], activeKey: "t:1") == nil)
        #expect(AccountSet(accounts: [held("t:1")], activeKey: "t:2") == nil)
        #expect(AccountSet(accounts: [held("t:1"), held("t:1", token: "tok_ffffffffffffffff")], activeKey: "t:1") == nil)
        #expect(AccountSet(accounts: (1...11).map { held("t:\($0)") }, activeKey: "t:1") == nil)
    }
}
