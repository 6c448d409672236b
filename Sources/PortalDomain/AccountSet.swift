/// One account held in a browser session: who (a principal key such as `t:1001` or `s:alice`)
/// and the token ID it was added with. Never the token itself.
package struct HeldAccount: Hashable, Sendable, Codable {
    /// `t:<DDI>` for a tenant, `s:<name>` for staff: the account, independent of role and token.
    package var key: String
    package var tokenID: TokenID

    package init(key: String, tokenID: TokenID) {
        self.key = key
        self.tokenID = tokenID
    }

    /// The account key of a principal.
    package static func key(of principal: Principal) -> String {
        switch principal {
        case .tenant(let id, _): "t:\(id)"
        case .staff(let name, _): "s:\(name)"
        }
    }

    /// The tenant, for tenant accounts.
    package var tenantID: TenantID? {
        key.hasPrefix("t:") ? TenantID(rawValue: String(key.dropFirst(2))) : nil
    }
}

/// The accounts a person holds in one browser session (PRODUCT "Several accounts, one person"):
/// up to ten, exactly one active; every request acts as the active one.
package struct AccountSet: Hashable, Sendable {
    /// Most accounts one session may hold.
    package static let limit = 10

    /// The held accounts, in the order they were added.
    package private(set) var accounts: [HeldAccount]
    /// The key of the active account.
    package private(set) var activeKey: String

    /// A session that starts with one account.
    package init(first: HeldAccount) {
        accounts = [first]
        activeKey = first.key
    }

    /// Restores a set (from a verified cookie); nil when it is empty or inconsistent.
    package init?(accounts: [HeldAccount], activeKey: String) {
        guard !accounts.isEmpty, accounts.count <= Self.limit, Set(accounts.map(\.key)).count == accounts.count,
            accounts.contains(where: { $0.key == activeKey })
        else { return nil }
        self.accounts = accounts
        self.activeKey = activeKey
    }

    /// The active account.
    package var active: HeldAccount {
        accounts.first { $0.key == activeKey } ?? accounts[0]
    }

    /// The accounts other than the active one.
    package var others: [HeldAccount] { accounts.filter { $0.key != activeKey } }

    /// Whether the account is held.
    package func holds(_ key: String) -> Bool { accounts.contains { $0.key == key } }

    /// Adds an account and makes it active. Adding one already held replaces its token (a fresh
    /// sign-in); an eleventh account is refused.
    package mutating func add(_ account: HeldAccount) throws(DomainError) {
        if let index = accounts.firstIndex(where: { $0.key == account.key }) {
            accounts[index] = account
        } else {
            guard accounts.count < Self.limit else {
                throw .tooLarge("A session holds at most \(Self.limit) accounts: sign one out before adding another.")
            }
            accounts.append(account)
        }
        activeKey = account.key
    }

    /// Makes a held account active; an account the session does not hold is refused (403).
    package mutating func switchTo(_ key: String) throws(DomainError) {
        guard holds(key) else { throw .forbidden("This session does not hold that account.") }
        activeKey = key
    }

    /// Drops an account (signed out, or its token was revoked). Returns false when none remain.
    /// If the active one goes, the first remaining becomes active.
    @discardableResult
    package mutating func remove(_ key: String) -> Bool {
        accounts.removeAll { $0.key == key }
        guard let first = accounts.first else { return false }
        if activeKey == key { activeKey = first.key }
        return true
    }
}
