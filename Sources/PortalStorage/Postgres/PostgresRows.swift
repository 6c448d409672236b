import Foundation
import PortalCore
import PortalDomain
import PostgresNIO

/// Rows of the PostgreSQL store back into domain values (nil for a row that breaks the schema's rules).
enum PGRows {
    static func image(_ row: PostgresRow) throws -> Image? {
        let c = row.makeRandomAccess()
        let record = try ImageRecord(
            id: c["id"].decode(String.self), name: c["name"].decode(String?.self), owner: c["owner"].decode(String.self),
            status: c["status"].decode(String.self), visibility: c["visibility"].decode(String.self), diskFormat: c["disk_format"].decode(String?.self),
            containerFormat: c["container_format"].decode(String?.self), size: c["size"].decode(Int64?.self),
            virtualSize: c["virtual_size"].decode(Int64?.self), checksum: c["checksum"].decode(String?.self),
            osHashAlgo: c["os_hash_algo"].decode(String?.self), osHashValue: c["os_hash_value"].decode(String?.self),
            minDisk: Int(c["min_disk"].decode(Int32.self)), minRam: Int(c["min_ram"].decode(Int32.self)), protected: c["protected"].decode(Bool.self),
            osHidden: c["os_hidden"].decode(Bool.self), tagsJSON: c["tags"].decode(String.self), propertiesJSON: c["properties"].decode(String.self),
            origin: c["origin"].decode(String.self), parentImageID: c["parent_image_id"].decode(String?.self),
            sourceServerID: c["source_server_id"].decode(String?.self), sourceContainer: c["source_container"].decode(String?.self),
            sourceObject: c["source_object"].decode(String?.self), createdAt: c["created_at"].decode(Date.self),
            updatedAt: c["updated_at"].decode(Date.self), deletedAt: c["deleted_at"].decode(Date?.self))
        return record.image
    }

    static func member(_ row: PostgresRow) throws -> Member? {
        let c = row.makeRandomAccess()
        guard let image = ImageID(rawValue: try c["image_id"].decode(String.self)), let member = TenantID(rawValue: try c["member"].decode(String.self)),
            let status = MemberStatus(rawValue: try c["status"].decode(String.self))
        else { return nil }
        return Member(
            imageID: image, memberID: member, status: status, canShare: try c["can_share"].decode(Bool.self), createdAt: try c["created_at"].decode(Date.self),
            updatedAt: try c["updated_at"].decode(Date.self))
    }

    /// The member record joined to its image (`PGSQL.joinedMemberColumns`).
    static func joinedMember(_ row: PostgresRow, image: ImageID) throws -> Member? {
        let c = row.makeRandomAccess()
        guard let member = TenantID(rawValue: try c["m_member"].decode(String.self)), let status = MemberStatus(rawValue: try c["m_status"].decode(String.self))
        else { return nil }
        return Member(
            imageID: image, memberID: member, status: status, canShare: try c["m_can_share"].decode(Bool.self),
            createdAt: try c["m_created_at"].decode(Date.self), updatedAt: try c["m_updated_at"].decode(Date.self))
    }

    static func task(_ row: PostgresRow) throws -> StoredTask? {
        let c = row.makeRandomAccess()
        guard let id = TaskID(rawValue: try c["id"].decode(String.self)), let type = TaskType(rawValue: try c["type"].decode(String.self)),
            let status = TaskStatus(rawValue: try c["status"].decode(String.self)), let owner = TenantID(rawValue: try c["owner"].decode(String.self)),
            let role = TenantRole(rawValue: try c["requested_by_role"].decode(String.self))
        else { return nil }
        let decoder = JSONDecoder()
        let input = try decoder.decode([String: JSONValue].self, from: Data(try c["input"].decode(String.self).utf8))
        let result = try c["result"].decode(String?.self).map { try decoder.decode([String: JSONValue].self, from: Data($0.utf8)) }
        let task = PortalTask(
            id: id, type: type, status: status, owner: owner, input: input, result: result, message: try c["message"].decode(String.self),
            createdAt: try c["created_at"].decode(Date.self), updatedAt: try c["updated_at"].decode(Date.self), expiresAt: try c["expires_at"].decode(Date?.self))
        let actor = Actor(
            principal: .tenant(owner, role: role), tokenID: try c["token_id"].decode(String?.self).flatMap(TokenID.init(rawValue:)),
            requestID: try c["request_id"].decode(String.self))
        return StoredTask(task: task, requestedBy: actor)
    }

    static func server(_ row: PostgresRow) throws -> Server? {
        let c = row.makeRandomAccess()
        guard let id = ServerID(rawValue: try c["id"].decode(String.self)), let tenant = TenantID(rawValue: try c["tenant"].decode(String.self)),
            let image = ImageID(rawValue: try c["image_id"].decode(String.self))
        else { return nil }
        return Server(
            id: id, tenant: tenant, name: try c["name"].decode(String.self), imageID: image, status: try c["status"].decode(String.self),
            diskSize: try c["disk_size"].decode(Int64.self), createdAt: try c["created_at"].decode(Date.self), updatedAt: try c["updated_at"].decode(Date.self))
    }

    static func tenant(_ row: PostgresRow) throws -> Tenant? {
        let c = row.makeRandomAccess()
        guard let id = TenantID(rawValue: try c["ddi"].decode(String.self)) else { return nil }
        return Tenant(id: id, name: try c["name"].decode(String.self), createdAt: try c["created_at"].decode(Date.self))
    }

    static func staff(_ row: PostgresRow) throws -> StaffAccount? {
        let c = row.makeRandomAccess()
        guard let name = StaffName(rawValue: try c["name"].decode(String.self)), let role = StaffRole(rawValue: try c["role"].decode(String.self)) else {
            return nil
        }
        return StaffAccount(name: name, role: role, createdAt: try c["created_at"].decode(Date.self))
    }

    static func token(_ row: PostgresRow) throws -> StoredToken? {
        let c = row.makeRandomAccess()
        guard let id = TokenID(rawValue: try c["id"].decode(String.self)) else { return nil }
        let principal: Principal
        if let ddi = try c["tenant_ddi"].decode(String?.self).flatMap(TenantID.init(rawValue:)),
            let role = try c["role"].decode(String?.self).flatMap(TenantRole.init(rawValue:))
        {
            principal = .tenant(ddi, role: role)
        } else if let name = try c["staff_name"].decode(String?.self).flatMap(StaffName.init(rawValue:)),
            let role = try c["staff_role"].decode(String?.self).flatMap(StaffRole.init(rawValue:))
        {
            principal = .staff(name, role: role)
        } else {
            return nil
        }
        let info = TokenInfo(
            id: id, principal: principal, label: try c["label"].decode(String.self), createdAt: try c["created_at"].decode(Date.self),
            expiresAt: try c["expires_at"].decode(Date?.self), revokedAt: try c["revoked_at"].decode(Date?.self),
            lastUsedAt: try c["last_used_at"].decode(Date?.self))
        return StoredToken(info: info, secretHash: Array(try c["secret_hash"].decode(Data.self)))
    }

    static func event(_ row: PostgresRow) throws -> AuditEvent? {
        let c = row.makeRandomAccess()
        guard let type = AuditEventType(rawValue: try c["type"].decode(String.self)) else { return nil }
        var event = AuditEvent(
            at: try c["at"].decode(Date.self), type: type, actor: Actor(principal: .staff(.commandLineOperator, role: .admin), tokenID: nil, requestID: ""))
        event.id = try c["id"].decode(Int64.self)
        event.actor = try c["actor"].decode(String.self)
        event.actorTenant = try c["actor_tenant"].decode(String?.self).flatMap(TenantID.init(rawValue:))
        event.actorStaff = try c["actor_staff"].decode(String?.self).flatMap(StaffName.init(rawValue:))
        event.tokenID = try c["token_id"].decode(String?.self).flatMap(TokenID.init(rawValue:))
        event.requestID = try c["request_id"].decode(String.self)
        event.imageID = try c["image_id"].decode(String?.self).flatMap(ImageID.init(rawValue:))
        event.imageOwner = try c["image_owner"].decode(String?.self).flatMap(TenantID.init(rawValue:))
        event.otherTenant = try c["other_tenant"].decode(String?.self).flatMap(TenantID.init(rawValue:))
        event.before = AuditEventRecord.decode(try c["before"].decode(String?.self))
        event.after = AuditEventRecord.decode(try c["after"].decode(String?.self))
        event.detail = try c["detail"].decode(String?.self)
        return event
    }
}
