import Foundation
import PortalDomain
import Testing

// Audit events (PRODUCT "Audit": tenants see the events that concern their images and memberships;
// support staff see all) and the CSV download's formula-injection defence.

private func event(
    by principal: Principal, imageOwner: TenantID? = Tenants.owner, otherTenant: TenantID? = Tenants.consumer, type: AuditEventType = .memberCreated
) -> AuditEvent {
    AuditEvent(
        at: Instants.t0, type: type, actor: Actor(principal: principal, tokenID: TokenID(rawValue: "tok_0123456789abcdef"), requestID: "req-1"),
        imageID: ImageIDs.subject, imageOwner: imageOwner, otherTenant: otherTenant)
}

@Suite("AuditEvent")
struct AuditEventTests {
    @Test(arguments: [
        ("support staff", Principals.support, true),
        ("admin staff", Principals.staffAdmin, true),
        ("the image owner", Principals.owner, true),
        ("the image owner, admin role", Principals.ownerAdmin, true),
        ("the member the event is about", Principals.consumer, true),
        ("an unrelated tenant", Principals.stranger, false),
        ("another member of the image", Principals.consumer2, false),
        ("an admin-role tenant not concerned", Principals.tenantAdmin, false),
    ])
    func isVisible_toStaffOwnerAndMemberOnly(_ who: String, _ principal: Principal, _ expected: Bool) {
        // Given the owner added Tenants.consumer as a member
        let added = event(by: Principals.owner)
        // When / Then
        #expect(added.isVisible(to: principal) == expected, "\(who)")
    }

    @Test func isVisible_toTheActorOfItsOwnAction() {
        // Given an event a tenant caused about nothing else (e.g. its login)
        let login = event(by: Principals.stranger, imageOwner: nil, otherTenant: nil, type: .loginSucceeded)
        // Then the actor sees it, no other tenant does
        #expect(login.isVisible(to: Principals.stranger))
        #expect(!login.isVisible(to: Principals.owner))
        #expect(login.isVisible(to: Principals.support))
    }

    @Test func isVisible_memberActionOnTheOwnersImage_isSeenByBoth() {
        // Given the consumer accepted the owner's share
        let accepted = event(by: Principals.consumer, type: .memberUpdated)
        // Then
        #expect(accepted.isVisible(to: Principals.consumer))
        #expect(accepted.isVisible(to: Principals.owner))
        #expect(!accepted.isVisible(to: Principals.consumer2))
    }

    @Test func init_stampsTheActor() {
        // When
        let tenantEvent = event(by: Principals.ownerAdmin)
        let staffEvent = event(by: Principals.support)
        // Then
        #expect(tenantEvent.actor == "tenant 1001 (admin)")
        #expect(tenantEvent.actorTenant == Tenants.owner)
        #expect(tenantEvent.actorStaff == nil)
        #expect(tenantEvent.tokenID?.rawValue == "tok_0123456789abcdef")
        #expect(tenantEvent.requestID == "req-1")
        #expect(staffEvent.actor == "staff bob (support)")
        #expect(staffEvent.actorTenant == nil)
        #expect(staffEvent.actorStaff == Staff.bob)
    }

    @Test func actorCLI_isTheCommandLineOperatorWithoutToken() {
        let actor = Actor.cli("tokens-issue")
        #expect(actor.principal == .staff(.commandLineOperator, role: .admin))
        #expect(actor.tokenID == nil)
        #expect(actor.requestID == "cli-tokens-issue")
    }

    @Test func eventTypes_haveDottedNames() {
        #expect(AuditEventType.allCases.allSatisfy { $0.rawValue.contains(".") || $0 == .logout })
        #expect(AuditEventType.exportBlocked.rawValue == "export.blocked")
    }
}

@Suite("CSV")
struct CSVTests {
    @Test(arguments: [
        // plain values pass through
        ("plain", "plain"),
        ("", ""),
        ("1001", "1001"),
        ("a=b", "a=b"),
        ("2024-01-31T12:00:00Z", "2024-01-31T12:00:00Z"),
        // formula-looking values are defused with a leading quote, and quoted
        ("=SUM(A1:A2)", "\"'=SUM(A1:A2)\""),
        ("+1", "\"'+1\""),
        ("-1", "\"'-1\""),
        ("@cmd", "\"'@cmd\""),
        ("\tx", "\"'\tx\""),
        ("\rx", "\"'\rx\""),
        ("=1,2", "\"'=1,2\""),
        ("=\"x\"", "\"'=\"\"x\"\"\""),
        // RFC 4180 quoting
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("line1\nline2", "\"line1\nline2\""),
        ("line1\r\nline2", "\"line1\r\nline2\""),
        ("\"", "\"\"\"\""),
    ])
    func field_quotesAndDefuses(_ value: String, _ expected: String) {
        #expect(CSV.field(value) == expected)
    }

    @Test func line_joinsWithCommasAndEndsWithCRLF() {
        #expect(CSV.line(["a", "b,c", "=x"]) == "a,\"b,c\",\"'=x\"\r\n")
        #expect(CSV.line([]) == "\r\n")
    }
}
