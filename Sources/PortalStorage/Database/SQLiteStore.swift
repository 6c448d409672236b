package import Foundation
import GRDB
package import PortalCore
package import PortalDomain

/// The metadata store over one SQLite database (GRDB): transactions that read, let the use case
/// decide, and write; and the read-only queries. It applies scopes the domain hands it as values
/// and decides nothing itself.
package struct SQLiteStore: MetadataStore {
    let database: AppDatabase

    package init(database: AppDatabase) { self.database = database }

    // MARK: Transactions

    package func transact<Result: Sendable>(
        _ reads: Reads, _ decide: @escaping @Sendable (Snapshot) throws -> Commit<Result>
    ) async throws -> Result {
        do {
            return try await database.writer.write { db in
                let commit = try decide(try Self.load(reads, db))
                for write in commit.writes { try Self.apply(write, db) }
                return commit.result
            }
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
        {
            throw StoreConflict(error.message ?? "a record with that key exists")
        }
    }

    static func load(_ reads: Reads, _ db: Database) throws -> Snapshot {
        var snapshot = Snapshot()
        for id in reads.images {
            if let image = try ImageRecord.fetchOne(db, key: id.rawValue)?.image { snapshot.images[id] = image }
        }
        for id in reads.membersOf { snapshot.members[id] = try members(db, id) }
        for key in reads.memberRecords {
            if let member = try MemberRecord.fetchOne(db, key: ["image_id": key.image.rawValue, "member": key.member.rawValue])?.domain {
                snapshot.memberRecords[key] = member
            }
        }
        for id in reads.tasks {
            if let record = try TaskRecord.fetchOne(db, key: id.rawValue), let task = record.task, let actor = record.actor {
                snapshot.tasks[id] = StoredTask(task: task, requestedBy: actor)
            }
        }
        for id in reads.servers {
            if let server = try ServerRecord.fetchOne(db, key: id.rawValue).flatMap({ $0.status == "DELETED" ? nil : $0.server }) {
                snapshot.servers[id] = server
            }
        }
        for id in reads.tenants {
            if let tenant = try TenantRecord.fetchOne(db, key: id.rawValue)?.tenant { snapshot.tenants[id] = tenant }
        }
        for name in reads.staff {
            if let staff = try StaffRecord.fetchOne(db, key: name.rawValue)?.account { snapshot.staff[name] = staff }
        }
        for id in reads.tokens {
            if let token = try token(db, id) { snapshot.tokens[id] = token }
        }
        return snapshot
    }

    static func apply(_ write: Write, _ db: Database) throws {
        switch write {
        case .insertImage(let image):
            try ImageRecord(image).insert(db)
        case .updateImage(let image):
            try ImageRecord(image).update(db)
        case .removeImage(let id, let status):
            try db.execute(sql: "DELETE FROM images WHERE id = ? AND status = ?", arguments: [id.rawValue, status.rawValue])
        case .resetImages(let from, let to, let at):
            try db.execute(sql: "UPDATE images SET status = ?, updated_at = ? WHERE status = ?", arguments: [to.rawValue, at, from.rawValue])
        case .insertMember(let member):
            try MemberRecord(member).insert(db)
        case .updateMember(let member):
            try MemberRecord(member).update(db)
        case .removeMember(let key):
            _ = try MemberRecord.deleteOne(db, key: ["image_id": key.image.rawValue, "member": key.member.rawValue])
        case .recordGrant(let key, let at):
            try db.execute(
                sql: "INSERT OR IGNORE INTO share_grants (image_id, member, first_granted_at) VALUES (?, ?, ?)",
                arguments: [key.image.rawValue, key.member.rawValue, at])
        case .insertTask(let stored):
            try TaskRecord(stored).insert(db)
        case .updateTask(let task):
            try db.execute(
                sql: "UPDATE tasks SET status = ?, result = ?, message = ?, updated_at = ?, expires_at = ? WHERE id = ?",
                arguments: [task.status.rawValue, try TaskRecord.json(task.result), task.message, task.updatedAt, task.expiresAt, task.id.rawValue])
        case .resetTasks(let from, let to, let message, let at):
            try db.execute(
                sql: "UPDATE tasks SET status = ?, message = ?, updated_at = ? WHERE status = ?", arguments: [to.rawValue, message, at, from.rawValue])
        case .renewTaskLease(let id, let owner, let until):
            try db.execute(sql: "UPDATE tasks SET lease_until = ? WHERE id = ? AND lease_owner = ?", arguments: [until, id.rawValue, owner])
        case .leaseUpload(let id, let owner, let until):
            try db.execute(
                sql: "INSERT OR REPLACE INTO upload_leases (image_id, lease_owner, lease_until) VALUES (?, ?, ?)", arguments: [id.rawValue, owner, until])
        case .releaseUpload(let id):
            try db.execute(sql: "DELETE FROM upload_leases WHERE image_id = ?", arguments: [id.rawValue])
        case .insertServer(let server):
            try ServerRecord(server).insert(db)
        case .deleteServer(let id, let at):
            try db.execute(sql: "UPDATE servers SET status = 'DELETED', deleted_at = ?, updated_at = ? WHERE id = ?", arguments: [at, at, id.rawValue])
        case .insertTenant(let tenant):
            try TenantRecord(ddi: tenant.id.rawValue, name: tenant.name, createdAt: tenant.createdAt).insert(db)
        case .insertStaff(let staff):
            try StaffRecord(name: staff.name.rawValue, role: staff.role, createdAt: staff.createdAt).insert(db)
        case .insertToken(let token):
            try TokenRecord(token).insert(db)
        case .revokeToken(let id, let at):
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [at, id.rawValue])
        case .touchToken(let id, let at, let after):
            try db.execute(
                sql: "UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", arguments: [at, id.rawValue, after])
        case .endSession(let id, let expiresAt):
            try db.execute(sql: "INSERT OR REPLACE INTO ended_sessions (sid, expires_at) VALUES (?, ?)", arguments: [id, expiresAt])
        case .purgeEndedSessions(let before):
            try db.execute(sql: "DELETE FROM ended_sessions WHERE expires_at < ?", arguments: [before])
        case .audit(let event):
            var record = AuditEventRecord(event)
            try record.insert(db)
        }
    }

    package func ping() async throws {
        try await database.ping()
    }

    // MARK: Images

    package func image(_ id: ImageID, memberRecordOf tenant: TenantID?) async throws -> (image: Image, membership: Member?)? {
        try await database.reader.read { db in
            guard let image = try ImageRecord.fetchOne(db, key: id.rawValue)?.image else { return nil }
            guard let tenant, tenant != image.owner else { return (image, nil) }
            return (image, try MemberRecord.fetchOne(db, key: ["image_id": id.rawValue, "member": tenant.rawValue])?.domain)
        }
    }

    package func images(in scope: ImageScope, matching query: ImageListQuery, after marker: Image?, limit: Int) async throws -> [Image] {
        let sql = ImageListSQL(query: query, scope: scope, dialect: SQLiteListDialect(), columns: "images.*").select(limit: limit, after: marker)
        return try await database.reader.read { db in
            try ImageRecord.fetchAll(db, sql: sql.text, arguments: sql.arguments).compactMap(\.image)
        }
    }

    package func count(_ scope: ImageScope) async throws -> Int {
        let sql = ImageListSQL(query: ImageListQuery(), scope: scope, dialect: SQLiteListDialect(), columns: "images.*").count()
        return try await database.reader.read { db in try Int.fetchOne(db, sql: sql.text, arguments: sql.arguments) ?? 0 }
    }

    package func members(of id: ImageID) async throws -> [Member] {
        try await database.reader.read { db in try Self.members(db, id) }
    }

    static func members(_ db: Database, _ id: ImageID) throws -> [Member] {
        try MemberRecord.filter(MemberRecord.Columns.imageID == id.rawValue).order(MemberRecord.Columns.createdAt, MemberRecord.Columns.member)
            .fetchAll(db).compactMap(\.domain)
    }

    package func memberRecords(of tenant: TenantID, for images: [ImageID]) async throws -> [Member] {
        guard !images.isEmpty else { return [] }
        return try await database.reader.read { db in
            try MemberRecord.filter(MemberRecord.Columns.member == tenant.rawValue && images.map(\.rawValue).contains(MemberRecord.Columns.imageID))
                .fetchAll(db).compactMap(\.domain)
        }
    }

    package func memberships(of tenant: TenantID) async throws -> [(image: Image, member: Member)] {
        try await database.reader.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.*, m.status AS m_status, m.can_share AS m_can_share, m.created_at AS m_created_at, m.updated_at AS m_updated_at
                    FROM image_members m JOIN images i ON i.id = m.image_id WHERE m.member = ? ORDER BY m.created_at, m.image_id
                    """,
                arguments: [tenant.rawValue])
            return try rows.compactMap { row in
                guard let image = try ImageRecord(row: row).image, let member = Self.member(row, image: image.id, member: tenant) else { return nil }
                return (image, member)
            }
        }
    }

    static func member(_ row: Row, image: ImageID, member: TenantID) -> Member? {
        guard let status = MemberStatus(rawValue: row["m_status"]) else { return nil }
        return Member(imageID: image, memberID: member, status: status, canShare: row["m_can_share"], createdAt: row["m_created_at"], updatedAt: row["m_updated_at"])
    }

    package func ancestors(of id: ImageID) async throws -> [Image] {
        try await database.reader.read { db in
            try ImageRecord.fetchAll(
                db,
                sql: """
                    WITH RECURSIVE chain(id, depth) AS (
                        SELECT parent_image_id, 1 FROM images WHERE id = ? AND parent_image_id IS NOT NULL
                        UNION ALL
                        SELECT images.parent_image_id, chain.depth + 1 FROM images JOIN chain ON images.id = chain.id
                        WHERE images.parent_image_id IS NOT NULL AND chain.depth < 64
                    )
                    SELECT images.* FROM chain JOIN images ON images.id = chain.id ORDER BY chain.depth
                    """,
                arguments: [id.rawValue]
            ).compactMap(\.image)
        }
    }

    package func abandonedUploads(at now: Date) async throws -> [ImageID] {
        try await database.reader.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM images WHERE status = 'saving'
                    AND id NOT IN (SELECT image_id FROM upload_leases WHERE lease_until >= ?)
                    """,
                arguments: [now]
            ).compactMap(ImageID.init(rawValue:))
        }
    }

    package func grantedImages(to tenant: TenantID, withHash hash: String, excluding id: ImageID, limit: Int) async throws -> [Image] {
        try await database.reader.read { db in
            try ImageRecord.fetchAll(
                db,
                sql: """
                    SELECT i.* FROM images i JOIN share_grants g ON g.image_id = i.id AND g.member = ?
                    WHERE i.os_hash_value = ? AND i.owner != ? AND i.id != ? ORDER BY i.created_at LIMIT ?
                    """,
                arguments: [tenant.rawValue, hash, tenant.rawValue, id.rawValue, limit]
            ).compactMap(\.image)
        }
    }

    package func shares(_ filter: ShareReviewFilter, changedBefore: Date?) async throws -> [ShareRow] {
        var clauses: [SQL] = ["i.status != 'deleted'"]
        if let owner = filter.owner { clauses.append("i.owner = \(owner.rawValue)") }
        if let member = filter.member { clauses.append("m.member = \(member.rawValue)") }
        if let status = filter.status { clauses.append("m.status = \(status.rawValue)") }
        if let changedBefore { clauses.append("m.updated_at <= \(changedBefore)") }
        if let minimum = filter.minMembers { clauses.append("(SELECT COUNT(*) FROM image_members c WHERE c.image_id = i.id) >= \(minimum)") }
        let condition: SQL = clauses.joined(separator: " AND ")
        let sql: SQL = """
            SELECT i.*, m.member AS m_member, m.status AS m_status, m.can_share AS m_can_share,
                   m.created_at AS m_created_at, m.updated_at AS m_updated_at,
                   (SELECT COUNT(*) FROM image_members c WHERE c.image_id = i.id) AS member_count
            FROM image_members m JOIN images i ON i.id = m.image_id
            WHERE \(condition)
            ORDER BY m.updated_at, i.id, m.member LIMIT \(filter.limit)
            """
        return try await database.reader.read { db in
            try Row.fetchAll(db, SQLRequest<Row>(literal: sql)).compactMap { row in
                guard let image = try ImageRecord(row: row).image, let memberID = TenantID(rawValue: row["m_member"]),
                    let member = Self.member(row, image: image.id, member: memberID)
                else { return nil }
                return ShareRow(image: image, member: member, memberCount: row["member_count"])
            }
        }
    }

    // MARK: Accounts

    package func tenant(_ id: TenantID) async throws -> Tenant? {
        try await database.reader.read { db in try TenantRecord.fetchOne(db, key: id.rawValue)?.tenant }
    }

    package func tenants(_ ids: [TenantID]) async throws -> [TenantID: Tenant] {
        try await database.reader.read { db in
            let records = try TenantRecord.filter(ids.map(\.rawValue).contains(TenantRecord.Columns.ddi)).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: records.compactMap(\.tenant).map { ($0.id, $0) })
        }
    }

    package func allTenants() async throws -> [Tenant] {
        try await database.reader.read { db in try TenantRecord.order(TenantRecord.Columns.ddi).fetchAll(db).compactMap(\.tenant) }
    }

    package func staff(_ name: StaffName) async throws -> StaffAccount? {
        try await database.reader.read { db in try StaffRecord.fetchOne(db, key: name.rawValue)?.account }
    }

    package func allStaff() async throws -> [StaffAccount] {
        try await database.reader.read { db in try StaffRecord.order(StaffRecord.Columns.name).fetchAll(db).compactMap(\.account) }
    }

    package func token(_ id: TokenID) async throws -> StoredToken? {
        try await database.reader.read { db in try Self.token(db, id) }
    }

    static func token(_ db: Database, _ id: TokenID) throws -> StoredToken? {
        guard let record = try TokenRecord.fetchOne(db, key: id.rawValue) else { return nil }
        let role = try record.staffName.flatMap { try StaffRecord.fetchOne(db, key: $0)?.role }
        return record.info(staffRole: role).map { StoredToken(info: $0, secretHash: Array(record.secretHash)) }
    }

    package func tokens(of owner: TokenOwner) async throws -> [TokenInfo] {
        try await database.reader.read { db in
            var request = TokenRecord.order(TokenRecord.Columns.createdAt.desc, TokenRecord.Columns.id)
            switch owner {
            case .tenant(let tenant): request = request.filter(TokenRecord.Columns.tenantDDI == tenant.rawValue)
            case .staff(let name): request = request.filter(TokenRecord.Columns.staffName == name.rawValue)
            case .everyone: break
            }
            let roles = Dictionary(uniqueKeysWithValues: try StaffRecord.fetchAll(db).map { ($0.name, $0.role) })
            return try request.fetchAll(db).compactMap { $0.info(staffRole: $0.staffName.flatMap { roles[$0] }) }
        }
    }

    package func hasTokens() async throws -> Bool {
        try await database.reader.read { db in try TokenRecord.fetchCount(db) > 0 }
    }

    // MARK: Audit

    package func events(in scope: AuditScope, matching query: AuditQuery, limit: Int) async throws -> [AuditEvent] {
        var clauses: [SQL] = []
        switch scope {
        case .everything: break
        case .nothing: return []
        case .concerning(let tenant):
            clauses.append("(image_owner = \(tenant.rawValue) OR other_tenant = \(tenant.rawValue) OR actor_tenant = \(tenant.rawValue))")
        }
        if let image = query.imageID { clauses.append("image_id = \(image.rawValue)") }
        if let tenant = query.tenant?.rawValue { clauses.append("(image_owner = \(tenant) OR other_tenant = \(tenant) OR actor_tenant = \(tenant))") }
        if let actor = query.actor { clauses.append("(actor_tenant = \(actor) OR actor_staff = \(actor) OR token_id = \(actor))") }
        if let type = query.type { clauses.append("type = \(type.rawValue)") }
        if let since = query.since { clauses.append("at >= \(since)") }
        if let until = query.until { clauses.append("at < \(until)") }
        if let before = query.before { clauses.append("id < \(before)") }
        let condition: SQL = clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
        let sql: SQL = "SELECT * FROM audit_events WHERE " + condition + " ORDER BY id DESC LIMIT \(limit)"
        return try await database.reader.read { db in
            try AuditEventRecord.fetchAll(db, SQLRequest<AuditEventRecord>(literal: sql)).compactMap(\.event)
        }
    }

    // MARK: Tasks

    package func tasks(in scope: TenantScope, matching query: TaskQuery, after marker: PortalTask?, limit: Int) async throws -> [PortalTask] {
        try await database.reader.read { db in
            var request = TaskRecord.all()
            switch scope {
            case .everything: break
            case .tenant(let tenant): request = request.filter(TaskRecord.Columns.owner == tenant.rawValue)
            case .nothing: return []
            }
            if let type = query.type { request = request.filter(TaskRecord.Columns.type == type.rawValue) }
            if let status = query.status { request = request.filter(TaskRecord.Columns.status == status.rawValue) }
            if let marker { request = request.filter(sql: "(created_at, id) < (?, ?)", arguments: [marker.createdAt, marker.id.rawValue]) }
            return try request.order(sql: "created_at DESC, id DESC").limit(limit).fetchAll(db).compactMap(\.task)
        }
    }

    package func task(_ id: TaskID) async throws -> StoredTask? {
        try await database.reader.read { db in
            guard let record = try TaskRecord.fetchOne(db, key: id.rawValue), let task = record.task, let actor = record.actor else { return nil }
            return StoredTask(task: task, requestedBy: actor)
        }
    }

    package func claimNextTask(at now: Date, owner: String, until: Date) async throws -> StoredTask? {
        let record = try await database.writer.write { db in
            try TaskRecord.fetchOne(
                db,
                sql: """
                    UPDATE tasks SET status = 'processing', updated_at = ?, lease_owner = ?, lease_until = ?
                    WHERE id = (
                        SELECT id FROM tasks
                        WHERE status = 'pending' OR (status = 'processing' AND lease_until IS NOT NULL AND lease_until < ?)
                        ORDER BY created_at, id LIMIT 1)
                    RETURNING *
                    """,
                arguments: [now, owner, until, now])
        }
        guard let record, let task = record.task, let actor = record.actor else { return nil }
        return StoredTask(task: task, requestedBy: actor)
    }

    // MARK: Servers and sessions

    package func servers(of tenant: TenantID) async throws -> [Server] {
        try await database.reader.read { db in
            try ServerRecord.filter(ServerRecord.Columns.tenant == tenant.rawValue && ServerRecord.Columns.status != "DELETED")
                .order(ServerRecord.Columns.createdAt.desc).fetchAll(db).compactMap(\.server)
        }
    }

    package func server(_ id: ServerID) async throws -> Server? {
        try await database.reader.read { db in
            try ServerRecord.fetchOne(db, key: id.rawValue).flatMap { $0.status == "DELETED" ? nil : $0.server }
        }
    }

    package func isEnded(_ sessionID: String) async throws -> Bool {
        try await database.reader.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM ended_sessions WHERE sid = ?", arguments: [sessionID]) ?? false
        }
    }
}

extension SQLFragment {
    /// The bound values as GRDB arguments.
    var arguments: StatementArguments {
        StatementArguments(
            values.map { value -> any DatabaseValueConvertible in
                switch value {
                case .text(let text): text
                case .integer(let number): number
                case .bool(let flag): flag
                case .date(let date): date
                }
            })
    }
}
