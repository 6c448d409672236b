import Foundation
import PortalCore
import PortalDomain
import NIOCore
import PostgresNIO

/// The PostgreSQL statements of the store: the columns it reads, the writes it carries out, and
/// `SQLFragment`s (`?` placeholders) turned into bound queries (`$1`, `$2`, …).
enum PGSQL {
    /// An image's columns, JSON as text (decoded like SQLite's).
    static let imageColumns = """
        images.id, images.name, images.owner, images.status, images.visibility, images.disk_format, images.container_format, images.size, \
        images.virtual_size, images.checksum, images.os_hash_algo, images.os_hash_value, images.min_disk, images.min_ram, images.protected, \
        images.os_hidden, images.tags::text AS tags, images.properties::text AS properties, images.origin, images.parent_image_id, \
        images.source_server_id, images.source_container, images.source_object, images.created_at, images.updated_at, images.deleted_at
        """

    /// A member record's columns when it is joined to its image as `m`.
    static let joinedMemberColumns =
        "m.member AS m_member, m.status AS m_status, m.can_share AS m_can_share, m.created_at AS m_created_at, m.updated_at AS m_updated_at"

    static let taskColumns = """
        id, type, status, owner, input::text AS input, result::text AS result, message, requested_by_role, token_id, request_id, \
        created_at, updated_at, expires_at
        """

    static let taskSelect = "SELECT \(taskColumns) FROM tasks"

    static let serverColumns = "id, tenant, name, image_id, status, disk_size, created_at, updated_at"

    static let tokenSelect: SQLFragment = """
        SELECT t.id, t.secret_hash, t.tenant_ddi, t.staff_name, t.role, t.label, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, \
        s.role AS staff_role FROM tokens t LEFT JOIN staff s ON s.name = t.staff_name
        """

    static func images(_ condition: SQLFragment) -> PostgresQuery { query(SQLFragment("SELECT \(imageColumns) FROM images ") + condition) }

    static func tasks(_ condition: SQLFragment) -> PostgresQuery { query(SQLFragment("\(taskSelect) ") + condition) }

    static func servers(_ condition: SQLFragment) -> PostgresQuery { query(SQLFragment("SELECT \(serverColumns) FROM servers ") + condition) }

    /// A fragment as a bound query: each `?` outside a quoted literal becomes the next `$n`.
    static func query(_ fragment: SQLFragment) -> PostgresQuery {
        var sql = ""
        sql.reserveCapacity(fragment.text.utf8.count + 8)
        var number = 0
        var quoted = false
        for character in fragment.text {
            if character == "'" { quoted.toggle() }
            if character == "?" && !quoted {
                number += 1
                sql += "$\(number)"
            } else {
                sql.append(character)
            }
        }
        var binds = PostgresBindings(capacity: fragment.values.count)
        for value in fragment.values {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let number): binds.append(number)
            case .bool(let flag): binds.append(flag)
            case .date(let date): binds.append(date)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// JSON text of a value (tags, properties, task input and result, audit fields).
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// The statement that carries out one write.
    static func statement(for write: Write) -> PostgresQuery {
        switch write {
        case .insertImage(let image):
            let row = ImageRecord(image)
            return """
                INSERT INTO images (id, name, owner, status, visibility, disk_format, container_format, size, virtual_size, checksum, os_hash_algo,
                    os_hash_value, min_disk, min_ram, protected, os_hidden, tags, properties, origin, parent_image_id, source_server_id,
                    source_container, source_object, created_at, updated_at, deleted_at)
                VALUES (\(row.id), \(row.name), \(row.owner), \(row.status), \(row.visibility), \(row.diskFormat), \(row.containerFormat), \(row.size),
                    \(row.virtualSize), \(row.checksum), \(row.osHashAlgo), \(row.osHashValue), \(row.minDisk), \(row.minRam), \(row.protected),
                    \(row.osHidden), \(json(row.tags))::jsonb, \(json(row.properties))::jsonb, \(row.origin), \(row.parentImageID),
                    \(row.sourceServerID), \(row.sourceContainer), \(row.sourceObject), \(row.createdAt), \(row.updatedAt), \(row.deletedAt))
                """
        case .updateImage(let image):
            let row = ImageRecord(image)
            return """
                UPDATE images SET name = \(row.name), owner = \(row.owner), status = \(row.status), visibility = \(row.visibility),
                    disk_format = \(row.diskFormat), container_format = \(row.containerFormat), size = \(row.size), virtual_size = \(row.virtualSize),
                    checksum = \(row.checksum), os_hash_algo = \(row.osHashAlgo), os_hash_value = \(row.osHashValue), min_disk = \(row.minDisk),
                    min_ram = \(row.minRam), protected = \(row.protected), os_hidden = \(row.osHidden), tags = \(json(row.tags))::jsonb,
                    properties = \(json(row.properties))::jsonb, origin = \(row.origin), parent_image_id = \(row.parentImageID),
                    source_server_id = \(row.sourceServerID), source_container = \(row.sourceContainer), source_object = \(row.sourceObject),
                    updated_at = \(row.updatedAt), deleted_at = \(row.deletedAt)
                WHERE id = \(row.id)
                """
        case .removeImage(let id, let status):
            return "DELETE FROM images WHERE id = \(id.rawValue) AND status = \(status.rawValue)"
        case .resetImages(let from, let to, let at):
            return "UPDATE images SET status = \(to.rawValue), updated_at = \(at) WHERE status = \(from.rawValue)"
        case .insertMember(let member):
            return """
                INSERT INTO image_members (image_id, member, status, can_share, created_at, updated_at)
                VALUES (\(member.imageID.rawValue), \(member.memberID.rawValue), \(member.status.rawValue), \(member.canShare), \(member.createdAt), \(member.updatedAt))
                """
        case .updateMember(let member):
            return """
                UPDATE image_members SET status = \(member.status.rawValue), can_share = \(member.canShare), updated_at = \(member.updatedAt)
                WHERE image_id = \(member.imageID.rawValue) AND member = \(member.memberID.rawValue)
                """
        case .removeMember(let key):
            return "DELETE FROM image_members WHERE image_id = \(key.image.rawValue) AND member = \(key.member.rawValue)"
        case .recordGrant(let key, let at):
            return """
                INSERT INTO share_grants (image_id, member, first_granted_at) VALUES (\(key.image.rawValue), \(key.member.rawValue), \(at))
                ON CONFLICT DO NOTHING
                """
        case .insertTask(let stored):
            let task = stored.task
            let actor = stored.requestedBy
            return """
                INSERT INTO tasks (id, type, status, owner, input, result, message, requested_by_role, token_id, request_id, created_at, updated_at, expires_at)
                VALUES (\(task.id.rawValue), \(task.type.rawValue), \(task.status.rawValue), \(task.owner.rawValue), \(json(task.input))::jsonb,
                    \(task.result.map { json($0) })::jsonb, \(task.message), \(actor.principal.tenantRole?.rawValue ?? TenantRole.member.rawValue),
                    \(actor.tokenID?.rawValue), \(actor.requestID), \(task.createdAt), \(task.updatedAt), \(task.expiresAt))
                """
        case .updateTask(let task):
            return """
                UPDATE tasks SET status = \(task.status.rawValue), result = \(task.result.map { json($0) })::jsonb, message = \(task.message),
                    updated_at = \(task.updatedAt), expires_at = \(task.expiresAt)
                WHERE id = \(task.id.rawValue)
                """
        case .resetTasks(let from, let to, let message, let at):
            return "UPDATE tasks SET status = \(to.rawValue), message = \(message), updated_at = \(at) WHERE status = \(from.rawValue)"
        case .renewTaskLease(let id, let owner, let until):
            return "UPDATE tasks SET lease_until = \(until) WHERE id = \(id.rawValue) AND lease_owner = \(owner)"
        case .leaseUpload(let id, let owner, let until):
            return """
                INSERT INTO upload_leases (image_id, lease_owner, lease_until) VALUES (\(id.rawValue), \(owner), \(until))
                ON CONFLICT (image_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
                """
        case .releaseUpload(let id):
            return "DELETE FROM upload_leases WHERE image_id = \(id.rawValue)"
        case .insertServer(let server):
            return """
                INSERT INTO servers (id, tenant, name, image_id, status, disk_size, created_at, updated_at)
                VALUES (\(server.id.rawValue), \(server.tenant.rawValue), \(server.name), \(server.imageID.rawValue), \(server.status), \(server.diskSize),
                    \(server.createdAt), \(server.updatedAt))
                """
        case .deleteServer(let id, let at):
            return "UPDATE servers SET status = 'DELETED', deleted_at = \(at), updated_at = \(at) WHERE id = \(id.rawValue)"
        case .insertTenant(let tenant):
            return "INSERT INTO tenants (ddi, name, created_at) VALUES (\(tenant.id.rawValue), \(tenant.name), \(tenant.createdAt))"
        case .insertStaff(let staff):
            return "INSERT INTO staff (name, role, created_at) VALUES (\(staff.name.rawValue), \(staff.role.rawValue), \(staff.createdAt))"
        case .insertToken(let stored):
            let info = stored.info
            var tenant: String?
            var staff: String?
            var role: String?
            switch info.principal {
            case .tenant(let id, let tenantRole):
                tenant = id.rawValue
                role = tenantRole.rawValue
            case .staff(let name, _):
                staff = name.rawValue
            }
            return """
                INSERT INTO tokens (id, secret_hash, tenant_ddi, staff_name, role, label, created_at, expires_at, revoked_at, last_used_at)
                VALUES (\(info.id.rawValue), \(ByteBuffer(bytes: stored.secretHash)), \(tenant), \(staff), \(role), \(info.label), \(info.createdAt), \(info.expiresAt),
                    \(info.revokedAt), \(info.lastUsedAt))
                """
        case .revokeToken(let id, let at):
            return "UPDATE tokens SET revoked_at = \(at) WHERE id = \(id.rawValue) AND revoked_at IS NULL"
        case .touchToken(let id, let at, let after):
            return "UPDATE tokens SET last_used_at = \(at) WHERE id = \(id.rawValue) AND (last_used_at IS NULL OR last_used_at <= \(after))"
        case .endSession(let id, let expiresAt):
            return """
                INSERT INTO ended_sessions (sid, expires_at) VALUES (\(id), \(expiresAt))
                ON CONFLICT (sid) DO UPDATE SET expires_at = EXCLUDED.expires_at
                """
        case .purgeEndedSessions(let before):
            return "DELETE FROM ended_sessions WHERE expires_at < \(before)"
        case .audit(let event):
            return """
                INSERT INTO audit_events (at, type, actor, actor_tenant, actor_staff, token_id, request_id, image_id, image_owner, other_tenant,
                    before, after, detail)
                VALUES (\(event.at), \(event.type.rawValue), \(event.actor), \(event.actorTenant?.rawValue), \(event.actorStaff?.rawValue),
                    \(event.tokenID?.rawValue), \(event.requestID), \(event.imageID?.rawValue), \(event.imageOwner?.rawValue),
                    \(event.otherTenant?.rawValue), \(event.before.map { JSONValue.object($0).jsonText })::jsonb,
                    \(event.after.map { JSONValue.object($0).jsonText })::jsonb, \(event.detail))
                """
        }
    }
}
