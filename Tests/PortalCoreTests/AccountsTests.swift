import Foundation
import GRDB
import PortalApp
import PortalAuth
import PortalCrypto
import PortalDomain
import PortalStorage
import PortalCore
import Testing
import TestSupport

@Suite("Accounts and tokens")
struct AccountsTests {
    // MARK: Tenants and staff

    @Test func addTenant_new_isListedAndFound() async throws {
        let world = try await TestWorld()
        let accounts = world.useCases.accounts
        _ = try await accounts.addTenant(try ddi("2002"), name: "  Beta  ", by: .cli("test"))
        _ = try await accounts.addTenant(try ddi("1001"), name: "Alpha", by: .cli("test"))
        let all = try await accounts.allTenants(for: Actor.cli("test").principal)
        #expect(all.map(\.id.rawValue) == ["1001", "2002"])
        #expect(try await accounts.tenant(try ddi("2002"))?.name == "Beta")
        #expect(try await accounts.tenant(try ddi("3003")) == nil)
        let some = try await accounts.tenants([try ddi("1001"), try ddi("3003")])
        #expect(Array(some.keys) == [try ddi("1001")])
    }

    @Test func addTenant_twice_isConflict() async throws {
        let world = try await TestWorld()
        _ = try await world.tenant("1001")
        await expectDomainError(.conflict) { try await world.useCases.accounts.addTenant(try ddi("1001"), name: "again", by: .cli("test")) }
        #expect(try await world.useCases.accounts.allTenants(for: Actor.cli("test").principal).count == 1)
    }

    @Test func addTenant_nameTooLong_isInvalid() async throws {
        let world = try await TestWorld()
        await expectDomainError(.invalid) {
            try await world.useCases.accounts.addTenant(try ddi("1001"), name: String(repeating: "n", count: 256), by: .cli("test"))
        }
    }

    @Test func addStaff_newAndDuplicate() async throws {
        let world = try await TestWorld()
        let accounts = world.useCases.accounts
        let alice = try StaffName.parse("alice")
        _ = try await accounts.addStaff(alice, role: .support, by: .cli("test"))
        _ = try await accounts.addStaff(try StaffName.parse("ops"), role: .admin, by: .cli("test"))
        await expectDomainError(.conflict) { try await accounts.addStaff(alice, role: .admin, by: .cli("test")) }
        let all = try await accounts.allStaff(for: Actor.cli("test").principal)
        #expect(all.map(\.name.rawValue) == ["alice", "ops"])
        #expect(all.map(\.role) == [.support, .admin])
        #expect(try await accounts.staff(alice)?.role == .support)
    }

    // MARK: Tokens

    @Test func issue_thenAuthenticate_returnsThePrincipal() async throws {
        let world = try await TestWorld()
        let tenant = try await world.tenant("1001")
        let issued = try await world.useCases.accounts.issueToken(for: .tenant(tenant, role: .admin), label: " ci ", expiresAt: nil, by: .cli("test"))
        #expect(issued.secret.hasPrefix(issued.info.id.rawValue + "."))
        #expect(issued.info.label == "ci")
        let info = try await world.useCases.accounts.authenticate(issued.secret)
        #expect(info?.id == issued.info.id)
        #expect(info?.principal == .tenant(tenant, role: .admin))
    }

    @Test func issue_forUnknownTenantOrStaff_isNotFound() async throws {
        let world = try await TestWorld()
        await expectDomainError(.notFound) {
            try await world.useCases.accounts.issueToken(for: .tenant(try ddi("9999"), role: .member), label: "", expiresAt: nil, by: .cli("test"))
        }
        await expectDomainError(.notFound) {
            try await world.useCases.accounts.issueToken(for: .staff(try StaffName.parse("ghost")), label: "", expiresAt: nil, by: .cli("test"))
        }
    }

    @Test func issue_withPastExpiry_isInvalid() async throws {
        let world = try await TestWorld()
        let tenant = try await world.tenant("1001")
        await expectDomainError(.invalid) {
            try await world.useCases.accounts.issueToken(for: .tenant(tenant, role: .member), label: "", expiresAt: world.now, by: .cli("test"))
        }
    }

    @Test func issue_storesOnlyTheSHA256OfTheSecret() async throws {
        let world = try await TestWorld()
        let tenant = try await world.tenant("1001")
        let credential = try await world.token(tenant)
        let token = try #require(try await world.storedRow("tokens", id: credential.tokenID.rawValue))
        #expect(token["secret_hash"] == "\\x" + ByteEncoding.hex(Digest.hash(.sha256, credential.secret)))
        // No column holds the secret or its random part.
        let randomPart = String(credential.secret.split(separator: ".", maxSplits: 1)[1])
        for (column, text) in token {
            #expect(!text.contains(randomPart), "\(column)")
        }
    }

    @Test func issue_inAFileDatabase_leavesNoSecretTextOnDisk() async throws {
        // Given a file database
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portal-secret-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/portal.sqlite"
        let database = try AppDatabase.open(path: path)
        let files = DataDirectory(root: directory + "/data")
        let accounts = AppDependencies.embedded(database: database, files: files, clock: .system, settings: .standard, sessionKeys: try .ephemeral()).useCases.accounts
        let tenant = try ddi("1001")
        _ = try await accounts.addTenant(tenant, name: "A", by: .cli("test"))
        // When tokens are issued and used
        var secrets: [String] = []
        var ids: [String] = []
        for _ in 0..<3 {
            let issued = try await accounts.issueToken(for: .tenant(tenant, role: .member), label: "t", expiresAt: nil, by: .cli("test"))
            _ = try await accounts.authenticate(issued.secret)
            secrets.append(issued.secret)
            ids.append(issued.info.id.rawValue)
        }
        // Then neither the database file nor its WAL contains a secret (the IDs are there, so the search works)
        var bytes: [UInt8] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            bytes += contents(of: directory + "/" + file) ?? []
        }
        let onDisk = String(decoding: bytes, as: UTF8.self)
        for id in ids { #expect(onDisk.contains(id)) }
        for secret in secrets {
            let randomPart = String(secret.split(separator: ".", maxSplits: 1)[1])
            #expect(!onDisk.contains(randomPart))
        }
    }

    static let rejectedSecrets: [String] = [
        "",
        "tok_0123456789abcdef",
        "not-a-token",
        "tok_0123456789abcdef.AAAA",
        "TOK_0123456789ABCDEF.x",
        "tok_0123.short",
        String(repeating: "a", count: 4096),
    ]

    @Test(arguments: rejectedSecrets)
    func authenticate_unknownOrMalformed_returnsNil(_ presented: String) async throws {
        let world = try await TestWorld()
        _ = try await world.token(try await world.tenant("1001"))
        #expect(try await world.useCases.accounts.authenticate(presented) == nil)
    }

    @Test func authenticate_knownIDWithWrongSecret_returnsNil() async throws {
        let world = try await TestWorld()
        let credential = try await world.token(try await world.tenant("1001"))
        let wrong = credential.tokenID.rawValue + ".wrong-secret-of-the-right-token"
        #expect(try await world.useCases.accounts.authenticate(wrong) == nil)
        #expect(try await world.useCases.accounts.authenticate(credential.secret + "x") == nil)
        #expect(try await world.useCases.accounts.authenticate(String(credential.secret.dropLast())) == nil)
        #expect(try await world.useCases.accounts.authenticate(credential.secret) != nil)
    }

    @Test func authenticate_revoked_returnsNil() async throws {
        let world = try await TestWorld()
        let credential = try await world.token(try await world.tenant("1001"))
        let revoked = try await world.useCases.accounts.revokeToken(credential.tokenID, by: .cli("test"))
        #expect(revoked.revokedAt == world.now)
        #expect(try await world.useCases.accounts.authenticate(credential.secret) == nil)
        // Revoking twice changes nothing and writes no second event.
        _ = try await world.useCases.accounts.revokeToken(credential.tokenID, by: .cli("test"))
        let events = try await world.useCases.audit.events(AuditQuery(), for: .staff(.commandLineOperator, role: .admin)).events
        #expect(events.filter { $0.type == .tokenRevoked }.count == 1)
    }

    @Test func revoke_unknown_isNotFound() async throws {
        let world = try await TestWorld()
        await expectDomainError(.notFound) { try await world.useCases.accounts.revokeToken(try TokenID.parse("tok_0000000000000000"), by: .cli("test")) }
    }

    @Test func authenticate_afterExpiry_returnsNil() async throws {
        let clock = ManualClock()
        let deps = try await dependencies(clock: clock)
        let tenant = try ddi("1001")
        _ = try await deps.useCases.accounts.addTenant(tenant, name: "A", by: .cli("test"))
        let issued = try await deps.useCases.accounts.issueToken(for: .tenant(tenant, role: .member), label: "", expiresAt: clock.now.addingTimeInterval(60), by: .cli("test"))
        clock.advance(by: 59)
        #expect(try await deps.useCases.accounts.authenticate(issued.secret) != nil)
        clock.advance(by: 1)
        #expect(try await deps.useCases.accounts.authenticate(issued.secret) == nil)
        #expect(try await deps.useCases.accounts.token(issued.info.id)?.state(at: clock.now) == "expired")
    }

    @Test func authenticate_recordsLastUsedAtMostOncePerMinute() async throws {
        // Given a token and a clock the test moves
        let clock = ManualClock()
        let deps = try await dependencies(clock: clock)
        let tenant = try ddi("1001")
        _ = try await deps.useCases.accounts.addTenant(tenant, name: "A", by: .cli("test"))
        let issued = try await deps.useCases.accounts.issueToken(for: .tenant(tenant, role: .member), label: "", expiresAt: nil, by: .cli("test"))
        #expect(try await deps.useCases.accounts.token(issued.info.id)?.lastUsedAt == nil)
        let start = clock.now
        // When it is used now, 30 s and 59 s later
        _ = try await deps.useCases.accounts.authenticate(issued.secret)
        #expect(try await deps.useCases.accounts.token(issued.info.id)?.lastUsedAt == start)
        clock.advance(by: 30)
        _ = try await deps.useCases.accounts.authenticate(issued.secret)
        clock.advance(by: 29)
        _ = try await deps.useCases.accounts.authenticate(issued.secret)
        // Then last_used_at still shows the first use
        #expect(try await deps.useCases.accounts.token(issued.info.id)?.lastUsedAt == start)
        // When a minute has passed since the first use, it moves
        clock.advance(by: 1)
        _ = try await deps.useCases.accounts.authenticate(issued.secret)
        #expect(try await deps.useCases.accounts.token(issued.info.id)?.lastUsedAt == start.addingTimeInterval(60))
    }

    @Test(arguments: [StaffRole.support, .admin])
    func staffToken_principalCarriesTheStaffRole(_ role: StaffRole) async throws {
        let world = try await TestWorld()
        let credential = try await world.staff("alice", role: role)
        let info = try await world.useCases.accounts.authenticate(credential.secret)
        #expect(info?.principal == .staff(try StaffName.parse("alice"), role: role))
        #expect(try await world.useCases.accounts.tokens(of: .staff(try StaffName.parse("alice")), for: Actor.cli("test").principal).map(\.id) == [credential.tokenID])
    }

    @Test func tokens_listByTenant() async throws {
        let world = try await TestWorld()
        let a = try await world.tenant("1001")
        let b = try await world.tenant("2002")
        let first = try await world.token(a)
        let second = try await world.token(b)
        #expect(try await world.useCases.accounts.tokens(of: TokenOwner.of(a), for: Actor.cli("test").principal).map(\.id) == [first.tokenID])
        #expect(Set(try await world.useCases.accounts.tokens(of: TokenOwner.of(nil), for: Actor.cli("test").principal).map(\.id)) == [first.tokenID, second.tokenID])
        #expect(try await world.useCases.accounts.hasTokens() == true)
    }

    // MARK: Audit

    @Test func accountChanges_writeAuditEvents() async throws {
        // Given an operator creating a tenant, a staff account, and issuing and revoking a token
        let world = try await TestWorld()
        let operatorActor = Actor.cli("audit")
        let tenant = try ddi("1001")
        _ = try await world.useCases.accounts.addTenant(tenant, name: "Alpha", by: operatorActor)
        _ = try await world.useCases.accounts.addStaff(try StaffName.parse("alice"), role: .support, by: operatorActor)
        let issued = try await world.useCases.accounts.issueToken(for: .tenant(tenant, role: .member), label: "ci", expiresAt: nil, by: operatorActor)
        _ = try await world.useCases.accounts.revokeToken(issued.info.id, by: operatorActor)
        // Then each change is one audit event, stamped with the actor and request
        let events = try await world.useCases.audit.events(AuditQuery(), for: .staff(.commandLineOperator, role: .admin)).events.reversed()
        #expect(events.map(\.type) == [.tenantCreated, .staffCreated, .tokenIssued, .tokenRevoked])
        for event in events {
            #expect(event.requestID == "cli-audit")
            #expect(event.actorStaff == .commandLineOperator)
            #expect(event.at == world.now)
        }
        let list = Array(events)
        #expect(list[0].otherTenant == tenant)
        #expect(list[0].after?.json.contains("Alpha") == true)
        #expect(list[1].detail?.contains("alice") == true)
        #expect(list[2].otherTenant == tenant)
        #expect(list[2].after?.json.contains(issued.info.id.rawValue) == true)
        #expect(list[2].after?.json.contains(issued.secret) == false)
        #expect(list[3].otherTenant == tenant)
        #expect(list[3].after?.json.contains("revoked") == true)
        // And the tenant reads the events about itself
        let asTenant = try await world.useCases.audit.events(AuditQuery(), for: .tenant(tenant, role: .member)).events
        #expect(Set(asTenant.map(\.type)) == [.tenantCreated, .tokenIssued, .tokenRevoked])
    }
}
