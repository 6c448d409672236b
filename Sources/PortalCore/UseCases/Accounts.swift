package import Foundation
import PortalCrypto
package import PortalDomain

/// Tenants, staff accounts and API tokens. Token secrets are returned once and stored only as
/// SHA-256 hashes; a presented secret is compared in constant time.
package struct Accounts: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    // MARK: Accounts

    /// Creates a tenant (operator only); 409 if it exists.
    package func addTenant(_ id: TenantID, name: String, by actor: Actor) async throws -> Tenant {
        try AccountRules.requireOperator(actor.principal)
        let tenant = Tenant(id: id, name: try AccountRules.tenantName(name), createdAt: core.clock.now())
        let conflict = "Tenant \(id) already exists."
        return try await core.transact(Reads(tenants: [id]), conflict: conflict) { snapshot in
            guard snapshot.tenants[id] == nil else { throw DomainError.conflict(conflict) }
            return Commit(
                [
                    .insertTenant(tenant),
                    .audit(AuditEvent(at: tenant.createdAt, type: .tenantCreated, actor: actor, otherTenant: id, after: ["name": .string(tenant.name)])),
                ], tenant)
        }
    }

    /// Creates a staff account (operator only); 409 if it exists.
    package func addStaff(_ name: StaffName, role: StaffRole, by actor: Actor) async throws -> StaffAccount {
        try AccountRules.requireOperator(actor.principal)
        let staff = StaffAccount(name: name, role: role, createdAt: core.clock.now())
        let conflict = "Staff account \(name) already exists."
        return try await core.transact(Reads(staff: [name]), conflict: conflict) { snapshot in
            guard snapshot.staff[name] == nil else { throw DomainError.conflict(conflict) }
            return Commit(
                [.insertStaff(staff), .audit(AuditEvent(at: staff.createdAt, type: .staffCreated, actor: actor, detail: "\(name) (\(role.rawValue))"))],
                staff)
        }
    }

    /// One tenant, if it has an account.
    package func tenant(_ id: TenantID) async throws -> Tenant? { try await core.records.tenant(id) }

    /// Several tenants by ID (those that have accounts).
    package func tenants(_ ids: [TenantID]) async throws -> [TenantID: Tenant] {
        ids.isEmpty ? [:] : try await core.records.tenants(ids)
    }

    /// Every tenant (operator only), by ID.
    package func allTenants(for principal: Principal) async throws -> [Tenant] {
        try AccountRules.requireOperator(principal)
        return try await core.records.allTenants()
    }

    /// One staff account.
    package func staff(_ name: StaffName) async throws -> StaffAccount? { try await core.records.staff(name) }

    /// Every staff account (operator only), by name.
    package func allStaff(for principal: Principal) async throws -> [StaffAccount] {
        try AccountRules.requireOperator(principal)
        return try await core.records.allStaff()
    }

    // MARK: Tokens

    /// Issues a token; its secret is returned once and never stored.
    package func issueToken(for subject: TokenSubject, label: String, expiresAt: Date?, by actor: Actor) async throws -> (info: TokenInfo, secret: String) {
        try TokenRules.requireMayIssue(for: subject, by: actor.principal)
        let now = core.clock.now()
        let label = try TokenRules.label(label)
        try TokenRules.checkExpiry(expiresAt, now: now)
        let idText = "tok_" + ByteEncoding.hex(try SecureRandom.bytes(8))
        guard let id = TokenID(rawValue: idText) else { throw DomainError.invalid("token ID generation failed") }
        let secret = idText + "." + ByteEncoding.base64url(try SecureRandom.bytes(32))
        let hash = Digest.hash(.sha256, secret)
        var reads = Reads.none
        switch subject {
        case .tenant(let tenant, _): reads.tenants = [tenant]
        case .staff(let name): reads.staff = [name]
        }
        let info = try await core.transact(reads, conflict: "Token ID \(id) collided; issue again.") { snapshot in
            let principal: Principal
            switch subject {
            case .tenant(let tenant, let role):
                guard snapshot.tenants[tenant] != nil else {
                    throw DomainError.notFound("No tenant \(tenant): add it first (image-portal tenants add \(tenant)).")
                }
                principal = .tenant(tenant, role: role)
            case .staff(let name):
                guard let staff = snapshot.staff[name] else {
                    throw DomainError.notFound("No staff account \(name): add it first (image-portal staff add \(name) --role support).")
                }
                principal = .staff(name, role: staff.role)
            }
            let info = TokenInfo(id: id, principal: principal, label: label, createdAt: now, expiresAt: expiresAt, revokedAt: nil, lastUsedAt: nil)
            return Commit(
                [
                    .insertToken(StoredToken(info: info, secretHash: hash)),
                    .audit(
                        AuditEvent(
                            at: now, type: .tokenIssued, actor: actor, otherTenant: principal.tenantID,
                            after: ["token_id": .string(id.rawValue), "for": .string(principal.label), "label": .string(label)],
                            detail: expiresAt.map { "expires \(Timestamp.iso8601($0))" })),
                ], info)
        }
        return (info, secret)
    }

    /// The token a presented secret belongs to, if it is known, not revoked and not expired.
    /// Records its use at most once a minute.
    package func authenticate(_ presented: String) async throws -> TokenInfo? {
        guard presented.utf8.count <= 128, let dot = presented.firstIndex(of: "."), let id = TokenID(rawValue: String(presented[..<dot])) else {
            return nil
        }
        let now = core.clock.now()
        guard let stored = try await core.records.token(id), constantTimeEquals(stored.secretHash, Digest.hash(.sha256, presented)),
            stored.info.isUsable(at: now)
        else { return nil }
        if stored.info.lastUsedAt.map({ now.timeIntervalSince($0) >= TokenRules.lastUsedResolution }) ?? true {
            try await core.records.apply([.touchToken(id, at: now, unlessUsedAfter: now.addingTimeInterval(-TokenRules.lastUsedResolution))])
        }
        return stored.info
    }

    /// A token by ID, whatever its state.
    package func token(_ id: TokenID) async throws -> TokenInfo? { try await core.records.token(id)?.info }

    /// The tokens of the caller's own account, newest first.
    package func ownTokens(for principal: Principal) async throws -> [TokenInfo] {
        switch principal {
        case .tenant(let tenant, _): try await core.records.tokens(of: .tenant(tenant))
        case .staff(let name, _): try await core.records.tokens(of: .staff(name))
        }
    }

    /// Any account's tokens (operator only), newest first.
    package func tokens(of owner: TokenOwner, for principal: Principal) async throws -> [TokenInfo] {
        try AccountRules.requireOperator(principal)
        return try await core.records.tokens(of: owner)
    }

    /// Revokes a token (the operator any; an account its own; 404 otherwise). Revoking twice changes nothing.
    package func revokeToken(_ id: TokenID, by actor: Actor) async throws -> TokenInfo {
        let now = core.clock.now()
        return try await core.transact(Reads(tokens: [id])) { snapshot in
            guard let stored = snapshot.tokens[id] else { throw DomainError.notFound("No token \(id).") }
            try TokenRules.requireMayRevoke(stored.info, by: actor.principal)
            guard stored.info.revokedAt == nil else { return Commit([], stored.info) }
            var revoked = stored.info
            revoked.revokedAt = now
            return Commit(
                [
                    .revokeToken(id, at: now),
                    .audit(
                        AuditEvent(
                            at: now, type: .tokenRevoked, actor: actor, otherTenant: stored.info.principal.tenantID,
                            before: ["token_id": .string(id.rawValue), "state": .string("active")], after: ["state": .string("revoked")])),
                ], revoked)
        }
    }

    // MARK: The operator's console

    /// Every tenant and staff account (operator only).
    package func directory(for principal: Principal) async throws -> (tenants: [Tenant], staff: [StaffAccount]) {
        try AccountRules.requireOperator(principal)
        return (try await core.records.allTenants(), try await core.records.allStaff())
    }

    /// One tenant and its tokens (operator only; 404 for a tenant without an account).
    package func tenantAccount(_ id: TenantID, for principal: Principal) async throws -> (tenant: Tenant, tokens: [TokenInfo]) {
        try AccountRules.requireOperator(principal)
        guard let tenant = try await core.records.tenant(id) else { throw DomainError.notFound("No tenant \(id).") }
        return (tenant, try await core.records.tokens(of: .tenant(id)))
    }

    /// Issues a token for any tenant, in any role (operator only).
    package func issueTenantToken(
        _ tenant: TenantID, role: TenantRole, label: String, expiresAt: Date?, by actor: Actor
    ) async throws -> (info: TokenInfo, secret: String) {
        try AccountRules.requireOperator(actor.principal)
        return try await issueToken(for: .tenant(tenant, role: role), label: label, expiresAt: expiresAt, by: actor)
    }

    /// Revokes any account's token (operator only).
    package func revokeAnyToken(_ id: TokenID, by actor: Actor) async throws -> TokenInfo {
        try AccountRules.requireOperator(actor.principal)
        return try await revokeToken(id, by: actor)
    }

    /// Whether any token exists (the first start prints a bootstrap token when none does).
    package func hasTokens() async throws -> Bool { try await core.records.hasTokens() }
}

/// Browser sessions are signed cookies; this remembers the ones signed out before they expired,
/// so a copied cookie cannot outlive its sign-out.
package struct Sessions: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Records a session as ended until its natural expiry, with the sign-out of each of its accounts.
    package func end(_ sessionID: String, expiresAt: Date, signingOut actors: [Actor]) async throws {
        let now = core.clock.now()
        try await core.records.apply(
            [.endSession(id: sessionID, expiresAt: expiresAt)]
                + actors.map { .audit(AuditEvent(at: now, type: .logout, actor: $0, otherTenant: $0.principal.tenantID)) })
    }

    /// Whether a session was signed out.
    package func isEnded(_ sessionID: String) async throws -> Bool { try await core.records.isEnded(sessionID) }

    /// Forgets ended sessions that would have expired anyway.
    package func purgeExpired() async throws {
        try await core.records.apply([.purgeEndedSessions(before: core.clock.now())])
    }
}

/// What someone typed into a sign-in (or add-account) form.
package struct SignInAttempt: Sendable {
    package enum Kind: String, Sendable { case tenant, staff }
    package var kind: Kind
    package var ddi: String
    package var staff: String
    package var token: String
    /// The client's address (for the rate limit and the audit trail).
    package var remoteAddress: String?
    package var requestID: String

    package init(kind: Kind, ddi: String, staff: String, token: String, remoteAddress: String?, requestID: String) {
        self.kind = kind
        self.ddi = ddi
        self.staff = staff
        self.token = token
        self.remoteAddress = remoteAddress
        self.requestID = requestID
    }
}

/// Signing in to the portal with a tenant ID (or staff name) and a token, exactly the same way for
/// the sign-in page and "add account": rate limited per client address and per account; the token
/// must be valid and belong to that account; failures and successes are audited.
package struct SignIn: Sendable {
    let core: CoreContext
    let limiter: any SignInLimiter

    package init(_ core: CoreContext, limiter: any SignInLimiter) {
        self.core = core
        self.limiter = limiter
    }

    /// Checks an attempt; returns the signed-in account's principal and token.
    package func check(_ attempt: SignInAttempt) async throws -> (principal: Principal, held: HeldAccount) {
        let now = core.clock.now()
        let accountKey = attempt.kind == .staff ? "s:\(attempt.staff)" : "t:\(attempt.ddi)"
        let limitKeys = ["ip:\(attempt.remoteAddress ?? "unknown")", "account:\(accountKey)"]
        if let wait = await limiter.blocked(limitKeys, now: now) {
            throw DomainError.rateLimited("Too many failed sign-ins. Try again in \(Int(wait / 60) + 1) minutes.")
        }
        let expected: String
        var tenant: TenantID?
        switch attempt.kind {
        case .staff:
            guard let name = StaffName(rawValue: attempt.staff) else { throw DomainError.invalid("Enter your staff name.") }
            expected = "s:\(name)"
        case .tenant:
            guard let id = TenantID(rawValue: attempt.ddi) else { throw DomainError.invalid("A tenant ID (DDI) is 1 to 16 digits.") }
            tenant = id
            expected = "t:\(id)"
        }
        guard !attempt.token.isEmpty, let info = try await Accounts(core).authenticate(attempt.token), HeldAccount.key(of: info.principal) == expected else {
            await limiter.recordFailure(limitKeys, now: now)
            let who = attempt.kind == .staff ? "staff \(attempt.staff.prefix(64))" : "tenant \(attempt.ddi.prefix(64))"
            try await core.records.apply([
                .audit(
                    AuditEvent(
                        at: now, type: .loginFailed, actorLabel: "anonymous (\(attempt.remoteAddress ?? "unknown address"))", requestID: attempt.requestID,
                        otherTenant: tenant, detail: "failed sign-in as \(who)"))
            ])
            throw DomainError.unauthenticated(
                attempt.kind == .staff ? "That staff name and token do not match an active token." : "That tenant ID and token do not match an active token.")
        }
        try await core.records.apply([
            .audit(
                AuditEvent(
                    at: now, type: .loginSucceeded, actor: Actor(principal: info.principal, tokenID: info.id, requestID: attempt.requestID),
                    otherTenant: tenant, detail: "signed in to the portal"))
        ])
        return (info.principal, HeldAccount(key: expected, tokenID: info.id))
    }
}
