import Foundation
import PortalDomain
import Testing

// Token lifetimes and states (PRODUCT "Interfaces": `tokens issue|list|revoke`).

@Suite("TokenRules")
struct TokenRulesTests {
    @Test(arguments: [
        ("30d", 2_592_000.0), ("1d", 86_400), ("12h", 43_200), ("90m", 5_400), ("3600s", 3_600), ("1s", 1),
    ])
    func duration_numberAndUnit(_ text: String, _ seconds: TimeInterval) {
        #expect((try? TokenRules.duration(text)) == seconds)
    }

    @Test(arguments: ["", "d", "0d", "-1d", "1.5h", "10", "10w", "10D", "1 d", " 1d", "1d ", "h12", "99999999999999999999d"])
    func duration_malformed_is400(_ text: String) {
        #expect(status { () throws(DomainError) in try TokenRules.duration(text) } == 400)
    }

    @Test func lastUsedResolution_isOneMinute() {
        #expect(TokenRules.lastUsedResolution == 60)
    }
}

@Suite("TokenInfo")
struct TokenInfoTests {
    private func token(expiresAt: Date?, revokedAt: Date?) -> TokenInfo {
        TokenInfo(
            id: TokenID(rawValue: "tok_0123456789abcdef")!, principal: Principals.owner, label: "ci", createdAt: Instants.t0, expiresAt: expiresAt,
            revokedAt: revokedAt, lastUsedAt: nil)
    }

    @Test(arguments: [
        // (expires in seconds from now, revoked?, usable, state)
        (nil as Double?, false, true, "active"),
        (60, false, true, "active"),
        (0, false, false, "expired"),
        (-60, false, false, "expired"),
        (nil, true, false, "revoked"),
        (60, true, false, "revoked"),
        (-60, true, false, "revoked"),
    ])
    func isUsableAndState_followRevocationThenExpiry(_ expiresIn: Double?, _ revoked: Bool, _ usable: Bool, _ state: String) {
        // Given
        let now = Instants.t1
        let info = token(expiresAt: expiresIn.map { now.addingTimeInterval($0) }, revokedAt: revoked ? Instants.t0 : nil)
        // When / Then
        #expect(info.isUsable(at: now) == usable)
        #expect(info.state(at: now) == state)
    }
}

@Suite("Principal")
struct PrincipalTests {
    @Test(arguments: [
        (Principals.owner, "tenant 1001", false, false, false),
        (Principals.ownerAdmin, "tenant 1001 (admin)", true, false, false),
        (Principals.staffAdmin, "staff alice (admin)", true, false, true),
        (Principals.support, "staff bob (support)", false, true, true),
    ])
    func roleFlagsAndLabel(_ principal: Principal, _ label: String, _ isAdmin: Bool, _ isSupport: Bool, _ isStaff: Bool) {
        #expect(principal.label == label)
        #expect(principal.isAdmin == isAdmin)
        #expect(principal.isSupport == isSupport)
        #expect(principal.isStaff == isStaff)
        #expect(principal.readsAcrossTenants == (isAdmin || isSupport))
        #expect((principal.tenantID != nil) == !isStaff)
    }
}
