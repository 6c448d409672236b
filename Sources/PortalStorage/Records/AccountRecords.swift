import Foundation
import GRDB
import PortalCore
import PortalDomain

/// A row of `tenants`.
struct TenantRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "tenants"
    var ddi: String
    var name: String
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case ddi, name
        case createdAt = "created_at"
    }

    enum Columns {
        static let ddi = Column(CodingKeys.ddi)
        static let name = Column(CodingKeys.name)
    }

    var tenant: Tenant? {
        TenantID(rawValue: ddi).map { Tenant(id: $0, name: name, createdAt: createdAt) }
    }
}

/// A row of `staff`.
struct StaffRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "staff"
    var name: String
    var role: StaffRole
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case name, role
        case createdAt = "created_at"
    }

    enum Columns {
        static let name = Column(CodingKeys.name)
    }

    var account: StaffAccount? {
        StaffName(rawValue: name).map { StaffAccount(name: $0, role: role, createdAt: createdAt) }
    }
}

/// A row of `tokens`: the secret is only ever stored as its SHA-256.
struct TokenRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "tokens"
    var id: String
    var secretHash: Data
    var tenantDDI: String?
    var staffName: String?
    var role: TenantRole?
    var label: String
    var createdAt: Date
    var expiresAt: Date?
    var revokedAt: Date?
    var lastUsedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, role, label
        case secretHash = "secret_hash"
        case tenantDDI = "tenant_ddi"
        case staffName = "staff_name"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case lastUsedAt = "last_used_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let tenantDDI = Column(CodingKeys.tenantDDI)
        static let staffName = Column(CodingKeys.staffName)
        static let revokedAt = Column(CodingKeys.revokedAt)
        static let lastUsedAt = Column(CodingKeys.lastUsedAt)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    init(_ stored: StoredToken) {
        let info = stored.info
        id = info.id.rawValue
        secretHash = Data(stored.secretHash)
        switch info.principal {
        case .tenant(let tenant, let role):
            tenantDDI = tenant.rawValue
            self.role = role
        case .staff(let name, _):
            staffName = name.rawValue
        }
        label = info.label
        createdAt = info.createdAt
        expiresAt = info.expiresAt
        revokedAt = info.revokedAt
        lastUsedAt = info.lastUsedAt
    }

    /// What is known about the token; a staff token needs its account's current role.
    func info(staffRole: StaffRole?) -> TokenInfo? {
        guard let id = TokenID(rawValue: id) else { return nil }
        let principal: Principal
        if let ddi = tenantDDI.flatMap(TenantID.init(rawValue:)), let role {
            principal = .tenant(ddi, role: role)
        } else if let name = staffName.flatMap(StaffName.init(rawValue:)), let staffRole {
            principal = .staff(name, role: staffRole)
        } else {
            return nil
        }
        return TokenInfo(
            id: id, principal: principal, label: label, createdAt: createdAt, expiresAt: expiresAt, revokedAt: revokedAt, lastUsedAt: lastUsedAt)
    }
}

/// A row of `audit_events`.
struct AuditEventRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "audit_events"
    var id: Int64?
    var at: Date
    var type: String
    var actor: String
    var actorTenant: String?
    var actorStaff: String?
    var tokenID: String?
    var requestID: String
    var imageID: String?
    var imageOwner: String?
    var otherTenant: String?
    var before: String?
    var after: String?
    var detail: String?

    enum CodingKeys: String, CodingKey {
        case id, at, type, actor, before, after, detail
        case actorTenant = "actor_tenant"
        case actorStaff = "actor_staff"
        case tokenID = "token_id"
        case requestID = "request_id"
        case imageID = "image_id"
        case imageOwner = "image_owner"
        case otherTenant = "other_tenant"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let at = Column(CodingKeys.at)
        static let type = Column(CodingKeys.type)
        static let actorTenant = Column(CodingKeys.actorTenant)
        static let actorStaff = Column(CodingKeys.actorStaff)
        static let imageID = Column(CodingKeys.imageID)
        static let imageOwner = Column(CodingKeys.imageOwner)
        static let otherTenant = Column(CodingKeys.otherTenant)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    init(_ event: AuditEvent) {
        id = event.id
        at = event.at
        type = event.type.rawValue
        actor = event.actor
        actorTenant = event.actorTenant?.rawValue
        actorStaff = event.actorStaff?.rawValue
        tokenID = event.tokenID?.rawValue
        requestID = event.requestID
        imageID = event.imageID?.rawValue
        imageOwner = event.imageOwner?.rawValue
        otherTenant = event.otherTenant?.rawValue
        before = event.before.map(Self.encode)
        after = event.after.map(Self.encode)
        detail = event.detail
    }

    /// Typed fields as a JSON object, keys sorted.
    static func encode(_ fields: AuditFields) -> String { JSONValue.object(fields).jsonText }

    /// A stored JSON object back as typed fields (events written before the fields were typed hold strings).
    static func decode(_ text: String?) -> AuditFields? {
        guard let text, let fields = try? JSONDecoder().decode(AuditFields.self, from: Data(text.utf8)) else { return nil }
        return fields
    }

    var event: AuditEvent? {
        guard let type = AuditEventType(rawValue: type) else { return nil }
        var event = AuditEvent(at: at, type: type, actor: Actor(principal: .staff(.commandLineOperator, role: .admin), tokenID: nil, requestID: requestID))
        event.id = id
        event.actor = actor
        event.actorTenant = actorTenant.flatMap(TenantID.init(rawValue:))
        event.actorStaff = actorStaff.flatMap(StaffName.init(rawValue:))
        event.tokenID = tokenID.flatMap(TokenID.init(rawValue:))
        event.imageID = imageID.flatMap(ImageID.init(rawValue:))
        event.imageOwner = imageOwner.flatMap(TenantID.init(rawValue:))
        event.otherTenant = otherTenant.flatMap(TenantID.init(rawValue:))
        event.before = Self.decode(before)
        event.after = Self.decode(after)
        event.detail = detail
        return event
    }
}
