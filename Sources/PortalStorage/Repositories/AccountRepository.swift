package import Foundation
import GRDB
package import PortalDomain
import PortalCrypto

/// Tenants and staff accounts.
package protocol AccountRepository: Sendable {
    /// Creates a tenant; 409 if it exists.
    func addTenant(_ id: TenantID, name: String, actor: Actor) async throws -> Tenant
    /// One tenant, if it has an account.
    func tenant(_ id: TenantID) async throws -> Tenant?
    /// Several tenants by ID (those that exist).
    func tenants(_ ids: [TenantID]) async throws -> [TenantID: Tenant]
    /// All tenants, by ID.
    func allTenants() async throws -> [Tenant]
    /// Creates a staff account; 409 if it exists.
    func addStaff(_ name: StaffName, role: StaffRole, actor: Actor) async throws -> StaffAccount
    /// One staff account.
    func staff(_ name: StaffName) async throws -> StaffAccount?
    /// All staff accounts, by name.
    func allStaff() async throws -> [StaffAccount]
}

/// Issuing, checking and revoking API tokens. Secrets are stored only as SHA-256 hashes.
package protocol TokenRepository: Sendable {
    /// Issues a token; the secret is returned once and never stored.
    func issue(for subject: TokenSubject, label: String, expiresAt: Date?, actor: Actor) async throws -> (info: TokenInfo, secret: String)
    /// The token a presented secret belongs to, if it is known, not revoked and not expired.
    /// Records `last_used_at` at most once a minute.
    func authenticate(_ presented: String) async throws -> TokenInfo?
    /// A token by ID (whatever its state).
    func token(_ id: TokenID) async throws -> TokenInfo?
    /// Tokens of one tenant, or all tokens.
    func tokens(tenant: TenantID?) async throws -> [TokenInfo]
    /// Tokens of one staff account.
    func tokens(staff: StaffName) async throws -> [TokenInfo]
    /// Revokes a token; 404 if unknown; revoking twice changes nothing.
    func revoke(_ id: TokenID, actor: Actor) async throws -> TokenInfo
    /// Whether any token exists (the first start prints a bootstrap token when none does).
    func isEmpty() async throws -> Bool
}

/// The GRDB implementation of accounts and tokens.
package struct SQLAccountRepository: AccountRepository, TokenRepository {
    let database: AppDatabase
    let clock: PortalClock

    package init(database: AppDatabase, clock: PortalClock) {
        self.database = database
        self.clock = clock
    }

    // MARK: Accounts

    package func addTenant(_ id: TenantID, name: String, actor: Actor) async throws -> Tenant {
        let now = clock.now()
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 255 else { throw DomainError.invalid("A tenant name is at most 255 characters.") }
        return try await database.writer.write { db in
            guard try TenantRecord.fetchOne(db, key: id.rawValue) == nil else {
                throw DomainError.conflict("Tenant \(id) already exists.")
            }
            try TenantRecord(ddi: id.rawValue, name: trimmed, createdAt: now).insert(db)
            try db.audit(AuditEvent(at: now, type: .tenantCreated, actor: actor, otherTenant: id, after: AuditJSON.encode(["name": trimmed])))
            return Tenant(id: id, name: trimmed, createdAt: now)
        }
    }

    package func tenant(_ id: TenantID) async throws -> Tenant? {
        try await database.reader.read { db in
            try TenantRecord.fetchOne(db, key: id.rawValue).flatMap(Self.tenant)
        }
    }

    package func tenants(_ ids: [TenantID]) async throws -> [TenantID: Tenant] {
        guard !ids.isEmpty else { return [:] }
        return try await database.reader.read { db in
            let records = try TenantRecord.filter(ids.map(\.rawValue).contains(TenantRecord.Columns.ddi)).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: records.compactMap(Self.tenant).map { ($0.id, $0) })
        }
    }

    package func allTenants() async throws -> [Tenant] {
        try await database.reader.read { db in
            try TenantRecord.order(TenantRecord.Columns.ddi).fetchAll(db).compactMap(Self.tenant)
        }
    }

    package func addStaff(_ name: StaffName, role: StaffRole, actor: Actor) async throws -> StaffAccount {
        let now = clock.now()
        return try await database.writer.write { db in
            guard try StaffRecord.fetchOne(db, key: name.rawValue) == nil else {
                throw DomainError.conflict("Staff account \(name) already exists.")
            }
            try StaffRecord(name: name.rawValue, role: role, createdAt: now).insert(db)
            try db.audit(AuditEvent(at: now, type: .staffCreated, actor: actor, detail: "\(name) (\(role.rawValue))"))
            return StaffAccount(name: name, role: role, createdAt: now)
        }
    }

    package func staff(_ name: StaffName) async throws -> StaffAccount? {
        try await database.reader.read { db in
            try StaffRecord.fetchOne(db, key: name.rawValue).flatMap(Self.staff)
        }
    }

    package func allStaff() async throws -> [StaffAccount] {
        try await database.reader.read { db in
            try StaffRecord.order(StaffRecord.Columns.name).fetchAll(db).compactMap(Self.staff)
        }
    }

    private static func tenant(_ record: TenantRecord) -> Tenant? {
        TenantID(rawValue: record.ddi).map { Tenant(id: $0, name: record.name, createdAt: record.createdAt) }
    }

    private static func staff(_ record: StaffRecord) -> StaffAccount? {
        StaffName(rawValue: record.name).map { StaffAccount(name: $0, role: record.role, createdAt: record.createdAt) }
    }

    // MARK: Tokens

    package func issue(for subject: TokenSubject, label: String, expiresAt: Date?, actor: Actor) async throws -> (info: TokenInfo, secret: String) {
        let now = clock.now()
        let id = "tok_" + ByteEncoding.hex(try SecureRandom.bytes(8))
        let secret = id + "." + ByteEncoding.base64url(try SecureRandom.bytes(32))
        let hash = Data(Digest.hash(.sha256, secret))
        let label = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard label.count <= 100 else { throw DomainError.invalid("A token label is at most 100 characters.") }
        if let expiresAt, expiresAt <= now { throw DomainError.invalid("A token's expiry must be in the future.") }
        return try await database.writer.write { db in
            var record = TokenRecord(
                id: id, secretHash: hash, tenantDDI: nil, staffName: nil, role: nil, label: label, createdAt: now,
                expiresAt: expiresAt, revokedAt: nil, lastUsedAt: nil)
            let principal: Principal
            var subjectTenant: TenantID?
            switch subject {
            case .tenant(let tenant, let role):
                guard try TenantRecord.fetchOne(db, key: tenant.rawValue) != nil else {
                    throw DomainError.notFound("No tenant \(tenant): add it first (image-portal tenants add \(tenant)).")
                }
                record.tenantDDI = tenant.rawValue
                record.role = role
                principal = .tenant(tenant, role: role)
                subjectTenant = tenant
            case .staff(let name):
                guard let staff = try StaffRecord.fetchOne(db, key: name.rawValue) else {
                    throw DomainError.notFound("No staff account \(name): add it first (image-portal staff add \(name) --role support).")
                }
                record.staffName = name.rawValue
                principal = .staff(name, role: staff.role)
            }
            try record.insert(db)
            guard let tokenID = TokenID(rawValue: id) else { throw DomainError.invalid("token ID generation failed") }
            try db.audit(
                AuditEvent(
                    at: now, type: .tokenIssued, actor: actor, otherTenant: subjectTenant,
                    after: AuditJSON.encode(["token_id": id, "for": principal.label, "label": label]),
                    detail: expiresAt.map { "expires \(Timestamp.iso8601($0))" }))
            let info = TokenInfo(id: tokenID, principal: principal, label: label, createdAt: now, expiresAt: expiresAt, revokedAt: nil, lastUsedAt: nil)
            return (info, secret)
        }
    }

    package func authenticate(_ presented: String) async throws -> TokenInfo? {
        guard presented.utf8.count <= 128, let dot = presented.firstIndex(of: "."),
            let id = TokenID(rawValue: String(presented[..<dot]))
        else { return nil }
        let now = clock.now()
        let presentedHash = Digest.hash(.sha256, presented)
        let found = try await database.reader.read { db -> (TokenRecord, StaffRole?)? in
            guard let record = try TokenRecord.fetchOne(db, key: id.rawValue) else { return nil }
            let staffRole = try record.staffName.flatMap { try StaffRecord.fetchOne(db, key: $0)?.role }
            return (record, staffRole)
        }
        guard let (record, staffRole) = found, constantTimeEquals(Array(record.secretHash), presentedHash),
            let info = Self.info(record, staffRole: staffRole), info.isUsable(at: now)
        else { return nil }
        if record.lastUsedAt.map({ now.timeIntervalSince($0) >= TokenRules.lastUsedResolution }) ?? true {
            let stale = now.addingTimeInterval(-TokenRules.lastUsedResolution)
            try await database.writer.write { db in
                try db.execute(
                    sql: "UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
                    arguments: [now, id.rawValue, stale])
            }
        }
        return info
    }

    package func token(_ id: TokenID) async throws -> TokenInfo? {
        try await database.reader.read { db in
            guard let record = try TokenRecord.fetchOne(db, key: id.rawValue) else { return nil }
            return Self.info(record, staffRole: try record.staffName.flatMap { try StaffRecord.fetchOne(db, key: $0)?.role })
        }
    }

    package func tokens(tenant: TenantID?) async throws -> [TokenInfo] {
        try await database.reader.read { db in
            var request = TokenRecord.order(TokenRecord.Columns.createdAt.desc, TokenRecord.Columns.id)
            if let tenant { request = request.filter(TokenRecord.Columns.tenantDDI == tenant.rawValue) }
            let roles = Dictionary(uniqueKeysWithValues: try StaffRecord.fetchAll(db).map { ($0.name, $0.role) })
            return try request.fetchAll(db).compactMap { Self.info($0, staffRole: $0.staffName.flatMap { roles[$0] }) }
        }
    }

    package func tokens(staff: StaffName) async throws -> [TokenInfo] {
        try await database.reader.read { db in
            let role = try StaffRecord.fetchOne(db, key: staff.rawValue)?.role
            return try TokenRecord.filter(TokenRecord.Columns.staffName == staff.rawValue)
                .order(TokenRecord.Columns.createdAt.desc).fetchAll(db).compactMap { Self.info($0, staffRole: role) }
        }
    }

    package func revoke(_ id: TokenID, actor: Actor) async throws -> TokenInfo {
        let now = clock.now()
        return try await database.writer.write { db in
            guard var record = try TokenRecord.fetchOne(db, key: id.rawValue) else { throw DomainError.notFound("No token \(id).") }
            let role = try record.staffName.flatMap { try StaffRecord.fetchOne(db, key: $0)?.role }
            if record.revokedAt == nil {
                record.revokedAt = now
                try record.update(db)
                try db.audit(
                    AuditEvent(
                        at: now, type: .tokenRevoked, actor: actor, otherTenant: record.tenantDDI.flatMap(TenantID.init(rawValue:)),
                        before: AuditJSON.encode(["token_id": id.rawValue, "state": "active"]), after: AuditJSON.encode(["state": "revoked"])))
            }
            guard let info = Self.info(record, staffRole: role) else { throw DomainError.notFound("No token \(id).") }
            return info
        }
    }

    package func isEmpty() async throws -> Bool {
        try await database.reader.read { db in try TokenRecord.fetchCount(db) == 0 }
    }

    private static func info(_ record: TokenRecord, staffRole: StaffRole?) -> TokenInfo? {
        guard let id = TokenID(rawValue: record.id) else { return nil }
        let principal: Principal
        if let ddi = record.tenantDDI.flatMap(TenantID.init(rawValue:)), let role = record.role {
            principal = .tenant(ddi, role: role)
        } else if let name = record.staffName.flatMap(StaffName.init(rawValue:)), let staffRole {
            principal = .staff(name, role: staffRole)
        } else {
            return nil
        }
        return TokenInfo(
            id: id, principal: principal, label: record.label, createdAt: record.createdAt, expiresAt: record.expiresAt,
            revokedAt: record.revokedAt, lastUsedAt: record.lastUsedAt)
    }
}
