package import Foundation
import Logging
package import PortalCore
package import PortalDomain
import PostgresNIO

/// The metadata store over PostgreSQL, for any number of instances: the same ports as `SQLiteStore`,
/// transactions that lock the rows they read (`SELECT … FOR UPDATE`), keyset pages over the same
/// scopes, and task leases taken with `FOR UPDATE SKIP LOCKED`. It decides nothing itself.
package struct PostgresStore: MetadataStore {
    let database: PostgresDatabase
    var client: PostgresClient { database.client }
    var logger: Logger { database.logger }

    package init(database: PostgresDatabase) { self.database = database }

    // MARK: Transactions

    package func transact<Result: Sendable>(
        _ reads: Reads, _ decide: @escaping @Sendable (Snapshot) throws -> Commit<Result>
    ) async throws -> Result {
        var attempt = 0
        while true {
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    let commit = try decide(try await Self.load(reads, connection, logger))
                    for write in commit.writes { try await Self.apply(write, connection, logger) }
                    return commit.result
                }
            } catch {
                // The transaction wraps what failed in it: the decision's own error (a DomainError)
                // goes to the caller as it is; the database's is read for its SQLSTATE.
                let failure = Self.underlying(error)
                guard let database = failure as? PSQLError else { throw failure }
                let state = database.serverInfo?[.sqlState]
                if state == "23505" { throw StoreConflict(database.serverInfo?[.message] ?? "a record with that key exists") }
                // A serialization failure or a deadlock: run the transaction again.
                guard state == "40001" || state == "40P01", attempt < 4 else { throw database }
                attempt += 1
            }
        }
    }

    /// What failed inside a transaction: the closure's error, or else the one of BEGIN, COMMIT or ROLLBACK.
    static func underlying(_ error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? transaction.rollbackError ?? error
    }

    static func load(_ reads: Reads, _ connection: PostgresConnection, _ logger: Logger) async throws -> Snapshot {
        var snapshot = Snapshot()
        // Images first, in a stable order: every writer of an image locks its row before anything else.
        for id in reads.images.sorted() {
            let rows = try await connection.query(PGSQL.images(SQLFragment("WHERE images.id = ? FOR UPDATE", [.text(id.rawValue)])), logger: logger)
            for try await row in rows { if let image = try PGRows.image(row) { snapshot.images[id] = image } }
        }
        for id in reads.membersOf {
            snapshot.members[id] = try await members(
                connection, logger, SQLFragment("WHERE image_id = ? ORDER BY created_at, member COLLATE \"C\" FOR UPDATE", [.text(id.rawValue)]))
        }
        for key in reads.memberRecords {
            let condition = SQLFragment("WHERE image_id = ? AND member = ? FOR UPDATE", [.text(key.image.rawValue), .text(key.member.rawValue)])
            if let member = try await members(connection, logger, condition).first {
                snapshot.memberRecords[key] = member
            }
        }
        for id in reads.tasks {
            for try await row in try await connection.query(PGSQL.tasks(SQLFragment("WHERE id = ? FOR UPDATE", [.text(id.rawValue)])), logger: logger) {
                if let task = try PGRows.task(row) { snapshot.tasks[id] = task }
            }
        }
        for id in reads.servers {
            let condition = SQLFragment("WHERE id = ? AND status <> 'DELETED' FOR UPDATE", [.text(id.rawValue)])
            for try await row in try await connection.query(PGSQL.servers(condition), logger: logger) {
                if let server = try PGRows.server(row) { snapshot.servers[id] = server }
            }
        }
        for id in reads.tenants {
            for try await row in try await connection.query("SELECT ddi, name, created_at FROM tenants WHERE ddi = \(id.rawValue) FOR UPDATE", logger: logger) {
                if let tenant = try PGRows.tenant(row) { snapshot.tenants[id] = tenant }
            }
        }
        for name in reads.staff {
            for try await row in try await connection.query("SELECT name, role, created_at FROM staff WHERE name = \(name.rawValue) FOR UPDATE", logger: logger) {
                if let staff = try PGRows.staff(row) { snapshot.staff[name] = staff }
            }
        }
        for id in reads.tokens {
            if let token = try await token(connection, logger, id, lock: true) { snapshot.tokens[id] = token }
        }
        return snapshot
    }

    static func members(_ connection: PostgresConnection, _ logger: Logger, _ condition: SQLFragment) async throws -> [Member] {
        let query = PGSQL.query("SELECT image_id, member, status, can_share, created_at, updated_at FROM image_members " + condition)
        var members: [Member] = []
        for try await row in try await connection.query(query, logger: logger) {
            if let member = try PGRows.member(row) { members.append(member) }
        }
        return members
    }

    static func token(_ connection: PostgresConnection, _ logger: Logger, _ id: TokenID, lock: Bool) async throws -> StoredToken? {
        let query = PGSQL.query(PGSQL.tokenSelect + SQLFragment(" WHERE t.id = ?" + (lock ? " FOR UPDATE OF t" : ""), [.text(id.rawValue)]))
        for try await row in try await connection.query(query, logger: logger) { return try PGRows.token(row) }
        return nil
    }

    static func apply(_ write: Write, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(PGSQL.statement(for: write), logger: logger)
    }

    package func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }

    // MARK: Queries

    /// Runs a query and maps its rows.
    func rows<T>(_ query: PostgresQuery, _ map: (PostgresRow) throws -> T?) async throws -> [T] {
        var result: [T] = []
        for try await row in try await client.query(query, logger: logger) {
            if let value = try map(row) { result.append(value) }
        }
        return result
    }

    package func image(_ id: ImageID, memberRecordOf tenant: TenantID?) async throws -> (image: Image, membership: Member?)? {
        guard let image = try await rows(PGSQL.images(SQLFragment("WHERE images.id = ?", [.text(id.rawValue)])), PGRows.image).first else { return nil }
        guard let tenant, tenant != image.owner else { return (image, nil) }
        let member = try await rows(
            "SELECT image_id, member, status, can_share, created_at, updated_at FROM image_members WHERE image_id = \(id.rawValue) AND member = \(tenant.rawValue)",
            PGRows.member
        ).first
        return (image, member)
    }

    package func images(in scope: ImageScope, matching query: ImageListQuery, after marker: Image?, limit: Int) async throws -> [Image] {
        let sql = ImageListSQL(query: query, scope: scope, dialect: PostgresListDialect(), columns: PGSQL.imageColumns).select(limit: limit, after: marker)
        return try await rows(PGSQL.query(sql), PGRows.image)
    }

    package func count(_ scope: ImageScope) async throws -> Int {
        let sql = ImageListSQL(query: ImageListQuery(), scope: scope, dialect: PostgresListDialect(), columns: PGSQL.imageColumns).count()
        return try await rows(PGSQL.query(sql)) { try Int($0.decode(Int64.self)) }.first ?? 0
    }

    package func members(of id: ImageID) async throws -> [Member] {
        try await rows(
            "SELECT image_id, member, status, can_share, created_at, updated_at FROM image_members WHERE image_id = \(id.rawValue) ORDER BY created_at, member COLLATE \"C\"",
            PGRows.member)
    }

    package func memberRecords(of tenant: TenantID, for images: [ImageID]) async throws -> [Member] {
        guard !images.isEmpty else { return [] }
        return try await rows(
            "SELECT image_id, member, status, can_share, created_at, updated_at FROM image_members WHERE member = \(tenant.rawValue) AND image_id = ANY(\(images.map(\.rawValue)))",
            PGRows.member)
    }

    package func memberships(of tenant: TenantID) async throws -> [(image: Image, member: Member)] {
        let query = PGSQL.query(
            SQLFragment(
                "SELECT \(PGSQL.imageColumns), \(PGSQL.joinedMemberColumns) FROM image_members m JOIN images ON images.id = m.image_id WHERE m.member = ? ORDER BY m.created_at, m.image_id COLLATE \"C\"",
                [.text(tenant.rawValue)]))
        return try await rows(query) { row in
            guard let image = try PGRows.image(row), let member = try PGRows.joinedMember(row, image: image.id) else { return nil }
            return (image, member)
        }
    }

    package func ancestors(of id: ImageID) async throws -> [Image] {
        try await rows(
            PGSQL.query(
                SQLFragment(
                    """
                    WITH RECURSIVE chain(id, depth) AS (
                        SELECT parent_image_id, 1 FROM images WHERE id = ? AND parent_image_id IS NOT NULL
                        UNION ALL
                        SELECT images.parent_image_id, chain.depth + 1 FROM images JOIN chain ON images.id = chain.id
                        WHERE images.parent_image_id IS NOT NULL AND chain.depth < 64
                    )
                    SELECT \(PGSQL.imageColumns) FROM chain JOIN images ON images.id = chain.id ORDER BY chain.depth
                    """, [.text(id.rawValue)])),
            PGRows.image)
    }

    package func grantedImages(to tenant: TenantID, withHash hash: String, excluding id: ImageID, limit: Int) async throws -> [Image] {
        try await rows(
            PGSQL.query(
                SQLFragment(
                    """
                    SELECT \(PGSQL.imageColumns) FROM images JOIN share_grants g ON g.image_id = images.id AND g.member = ?
                    WHERE images.os_hash_value = ? AND images.owner <> ? AND images.id <> ? ORDER BY images.created_at LIMIT \(limit)
                    """, [.text(tenant.rawValue), .text(hash), .text(tenant.rawValue), .text(id.rawValue)])),
            PGRows.image)
    }

    package func abandonedUploads(at now: Date) async throws -> [ImageID] {
        try await rows(
            """
            SELECT id FROM images WHERE status = 'saving'
            AND id NOT IN (SELECT image_id FROM upload_leases WHERE lease_until >= \(now))
            """
        ) { ImageID(rawValue: try $0.decode(String.self)) }
    }

    package func shares(_ filter: ShareReviewFilter, changedBefore: Date?) async throws -> [ShareRow] {
        var clauses: [SQLFragment] = ["images.status <> 'deleted'"]
        if let owner = filter.owner { clauses.append(SQLFragment("images.owner = ?", [.text(owner.rawValue)])) }
        if let member = filter.member { clauses.append(SQLFragment("m.member = ?", [.text(member.rawValue)])) }
        if let status = filter.status { clauses.append(SQLFragment("m.status = ?", [.text(status.rawValue)])) }
        if let changedBefore { clauses.append(SQLFragment("m.updated_at <= ?", [.date(changedBefore)])) }
        if let minimum = filter.minMembers {
            clauses.append(SQLFragment("(SELECT COUNT(*) FROM image_members c WHERE c.image_id = images.id) >= ?", [.integer(Int64(minimum))]))
        }
        let sql =
            SQLFragment(
                """
                SELECT \(PGSQL.imageColumns), \(PGSQL.joinedMemberColumns),
                       (SELECT COUNT(*) FROM image_members c WHERE c.image_id = images.id) AS member_count
                FROM image_members m JOIN images ON images.id = m.image_id WHERE
                """) + .all(clauses) + SQLFragment(" ORDER BY m.updated_at, images.id COLLATE \"C\", m.member COLLATE \"C\" LIMIT \(filter.limit)")
        return try await rows(PGSQL.query(sql)) { row in
            let columns = row.makeRandomAccess()
            guard let image = try PGRows.image(row), let member = try PGRows.joinedMember(row, image: image.id) else { return nil }
            return ShareRow(image: image, member: member, memberCount: Int(try columns["member_count"].decode(Int64.self)))
        }
    }

    // MARK: Accounts

    package func tenant(_ id: TenantID) async throws -> Tenant? {
        try await rows("SELECT ddi, name, created_at FROM tenants WHERE ddi = \(id.rawValue)", PGRows.tenant).first
    }

    package func tenants(_ ids: [TenantID]) async throws -> [TenantID: Tenant] {
        let found = try await rows("SELECT ddi, name, created_at FROM tenants WHERE ddi = ANY(\(ids.map(\.rawValue)))", PGRows.tenant)
        return Dictionary(uniqueKeysWithValues: found.map { ($0.id, $0) })
    }

    package func allTenants() async throws -> [Tenant] {
        try await rows("SELECT ddi, name, created_at FROM tenants ORDER BY ddi COLLATE \"C\"", PGRows.tenant)
    }

    package func staff(_ name: StaffName) async throws -> StaffAccount? {
        try await rows("SELECT name, role, created_at FROM staff WHERE name = \(name.rawValue)", PGRows.staff).first
    }

    package func allStaff() async throws -> [StaffAccount] {
        try await rows("SELECT name, role, created_at FROM staff ORDER BY name COLLATE \"C\"", PGRows.staff)
    }

    package func token(_ id: TokenID) async throws -> StoredToken? {
        try await client.withConnection { connection in try await Self.token(connection, logger, id, lock: false) }
    }

    package func tokens(of owner: TokenOwner) async throws -> [TokenInfo] {
        var sql = PGSQL.tokenSelect
        switch owner {
        case .tenant(let tenant): sql = sql + SQLFragment(" WHERE t.tenant_ddi = ?", [.text(tenant.rawValue)])
        case .staff(let name): sql = sql + SQLFragment(" WHERE t.staff_name = ?", [.text(name.rawValue)])
        case .everyone: break
        }
        return try await rows(PGSQL.query(sql + " ORDER BY t.created_at DESC, t.id COLLATE \"C\"")) { try PGRows.token($0)?.info }
    }

    package func hasTokens() async throws -> Bool {
        try await rows("SELECT EXISTS (SELECT 1 FROM tokens)") { try $0.decode(Bool.self) }.first ?? false
    }

    // MARK: Audit

    package func events(in scope: AuditScope, matching query: AuditQuery, limit: Int) async throws -> [AuditEvent] {
        var clauses: [SQLFragment] = []
        func concerning(_ tenant: String) -> SQLFragment {
            SQLFragment("(image_owner = ? OR other_tenant = ? OR actor_tenant = ?)", [.text(tenant), .text(tenant), .text(tenant)])
        }
        switch scope {
        case .everything: break
        case .nothing: return []
        case .concerning(let tenant): clauses.append(concerning(tenant.rawValue))
        }
        if let image = query.imageID { clauses.append(SQLFragment("image_id = ?", [.text(image.rawValue)])) }
        if let tenant = query.tenant { clauses.append(concerning(tenant.rawValue)) }
        if let actor = query.actor {
            clauses.append(SQLFragment("(actor_tenant = ? OR actor_staff = ? OR token_id = ?)", [.text(actor), .text(actor), .text(actor)]))
        }
        if let type = query.type { clauses.append(SQLFragment("type = ?", [.text(type.rawValue)])) }
        if let since = query.since { clauses.append(SQLFragment("at >= ?", [.date(since)])) }
        if let until = query.until { clauses.append(SQLFragment("at < ?", [.date(until)])) }
        if let before = query.before { clauses.append(SQLFragment("id < ?", [.integer(before)])) }
        let condition: SQLFragment = clauses.isEmpty ? "TRUE" : .all(clauses)
        let sql =
            SQLFragment(
                "SELECT id, at, type, actor, actor_tenant, actor_staff, token_id, request_id, image_id, image_owner, other_tenant, before::text AS before, after::text AS after, detail FROM audit_events WHERE "
            ) + condition + SQLFragment(" ORDER BY id DESC LIMIT \(limit)")
        return try await rows(PGSQL.query(sql), PGRows.event)
    }

    // MARK: Tasks

    package func tasks(in scope: TenantScope, matching query: TaskQuery, after marker: PortalTask?, limit: Int) async throws -> [PortalTask] {
        var clauses: [SQLFragment] = []
        switch scope {
        case .everything: break
        case .tenant(let tenant): clauses.append(SQLFragment("owner = ?", [.text(tenant.rawValue)]))
        case .nothing: return []
        }
        if let type = query.type { clauses.append(SQLFragment("type = ?", [.text(type.rawValue)])) }
        if let status = query.status { clauses.append(SQLFragment("status = ?", [.text(status.rawValue)])) }
        if let marker { clauses.append(SQLFragment("(created_at, id) < (?, ?)", [.date(marker.createdAt), .text(marker.id.rawValue)])) }
        let condition: SQLFragment = clauses.isEmpty ? "TRUE" : .all(clauses)
        let sql = SQLFragment("\(PGSQL.taskSelect) WHERE ") + condition + SQLFragment(" ORDER BY created_at DESC, id DESC LIMIT \(limit)")
        return try await rows(PGSQL.query(sql)) { try PGRows.task($0)?.task }
    }

    package func task(_ id: TaskID) async throws -> StoredTask? {
        try await rows(PGSQL.tasks(SQLFragment("WHERE id = ?", [.text(id.rawValue)])), PGRows.task).first
    }

    package func claimNextTask(at now: Date, owner: String, until: Date) async throws -> StoredTask? {
        // SKIP LOCKED: instances that ask at once each take a different task, or none.
        try await rows(
            PGSQL.query(
                SQLFragment(
                    """
                    UPDATE tasks SET status = 'processing', updated_at = ?, lease_owner = ?, lease_until = ?
                    WHERE id = (
                        SELECT id FROM tasks
                        WHERE status = 'pending' OR (status = 'processing' AND lease_until IS NOT NULL AND lease_until < ?)
                        ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING \(PGSQL.taskColumns)
                    """, [.date(now), .text(owner), .date(until), .date(now)])),
            PGRows.task
        ).first
    }

    // MARK: Servers and sessions

    package func servers(of tenant: TenantID) async throws -> [Server] {
        try await rows(PGSQL.servers(SQLFragment("WHERE tenant = ? AND status <> 'DELETED' ORDER BY created_at DESC", [.text(tenant.rawValue)])), PGRows.server)
    }

    package func server(_ id: ServerID) async throws -> Server? {
        try await rows(PGSQL.servers(SQLFragment("WHERE id = ? AND status <> 'DELETED'", [.text(id.rawValue)])), PGRows.server).first
    }

    package func isEnded(_ sessionID: String) async throws -> Bool {
        try await rows("SELECT EXISTS (SELECT 1 FROM ended_sessions WHERE sid = \(sessionID))") { try $0.decode(Bool.self) }.first ?? false
    }
}

/// PostgreSQL's image-list dialect: byte-order text sorts whatever the database's collation, JSONB
/// containment for tags and properties, case-insensitive ILIKE.
struct PostgresListDialect: ImageListDialect {
    /// The text columns that lists sort by are `COLLATE "C"` in the schema (byte order, as in SQLite),
    /// so ordering by them as they are lets the indexes serve the keyset pages.
    func binaryText(_ expression: String) -> String { expression }
    func hasTag(_ tag: String) -> SQLFragment { SQLFragment("images.tags @> jsonb_build_array(?::text)", [.text(tag)]) }
    func hasProperty(_ key: String, _ value: String) -> SQLFragment { SQLFragment("images.properties ->> ? = ?", [.text(key), .text(value)]) }
    func nameContains(_ pattern: String) -> SQLFragment { SQLFragment("images.name ILIKE ? ESCAPE '\\'", [.text(pattern)]) }
}
