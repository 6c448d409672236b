import Foundation
import GRDB
import PortalCore
import PortalDomain
import PortalStorage
import Testing

/// The schema, its constraints and the connection settings (CONVENTIONS 6: "A test pins the schema").
@Suite("Migrations")
struct MigrationTests {
    /// Every table, index and trigger of the migrated schema, with its DDL, whitespace normalised.
    static func schema(_ database: AppDatabase) throws -> String {
        try database.reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT type, name, sql FROM sqlite_master
                    WHERE type IN ('table', 'index', 'trigger') AND sql IS NOT NULL
                      AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                    ORDER BY name
                    """
            ).map { row -> String in
                let type: String = row["type"]
                let name: String = row["name"]
                let sql: String = row["sql"]
                let lines = sql.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                return "-- \(type) \(name)\n" + lines.joined(separator: "\n    ")
            }.joined(separator: "\n")
        }
    }

    @Test func migrate_inMemory_producesThePinnedSchema() throws {
        // Given a fresh in-memory database
        // When it is migrated
        let database = try AppDatabase.inMemory()
        // Then its schema is exactly the checked-in snapshot (change the snapshot deliberately with the migration)
        let actual = try Self.schema(database)
        // To review a deliberate change: PORTAL_SCHEMA_DUMP=/tmp/schema.txt swift test --filter MigrationTests, then diff.
        if let path = ProcessInfo.processInfo.environment["PORTAL_SCHEMA_DUMP"] {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(actual == expectedSchema)
    }

    @Test func migrate_recordsMigrationsNamedByDate() throws {
        let database = try AppDatabase.inMemory()
        let identifiers = try database.reader.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(
            identifiers == [
                "2026-11-24 tenants, staff, tokens and audit events",
                "2026-11-24 images, members and share history",
                "2026-11-24 servers, containers, objects and tasks",
                "2026-11-24 ended browser sessions",
                "2026-12-03 task and upload leases",
                "2026-12-03 installation",
            ])
    }

    @Test func migrate_twice_isIdempotent() async throws {
        // Given a migrated database holding data
        let database = try AppDatabase.inMemory()
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO tenants (ddi, name, created_at) VALUES ('1001', 'A', '2026-01-01 00:00:00.000')")
        }
        let before = try Self.schema(database)
        // When the migrator runs again
        try AppDatabase.migrator.migrate(database.writer)
        // Then nothing changes: same schema, data kept, every migration applied once
        #expect(try Self.schema(database) == before)
        let tenants = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tenants") }
        #expect(tenants == 1)
        let applied = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        #expect(applied == 6)
    }

    @Test func open_sameFileTwice_keepsSchemaAndData() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portal-migrate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try AppDatabase.open(path: directory + "/portal.sqlite")
        try await first.writer.write { db in
            try db.execute(sql: "INSERT INTO tenants (ddi, name, created_at) VALUES ('1001', 'A', '2026-01-01 00:00:00.000')")
        }
        let schema = try Self.schema(first)
        let second = try AppDatabase.open(path: directory + "/portal.sqlite")
        #expect(try Self.schema(second) == schema)
        #expect(try await second.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tenants") } == 1)
    }

    // MARK: Constraints

    /// Statements each of which breaks one CHECK (or NOT NULL) constraint; the fixture rows make
    /// everything else valid.
    static let refusedInserts: [String] = [
        "INSERT INTO tenants (ddi, name, created_at) VALUES ('12a4', 'x', '2026-01-01')",
        "INSERT INTO tenants (ddi, name, created_at) VALUES ('', 'x', '2026-01-01')",
        "INSERT INTO tenants (ddi, name, created_at) VALUES ('12345678901234567', 'x', '2026-01-01')",
        "INSERT INTO tenants (ddi, name, created_at) VALUES (' 1001', 'x', '2026-01-01')",
        "INSERT INTO staff (name, role, created_at) VALUES ('bob', 'root', '2026-01-01')",
        "INSERT INTO tokens (id, secret_hash, tenant_ddi, role, created_at) VALUES ('tok_0000000000000001', x'00', '1001', 'member', '2026-01-01')",
        "INSERT INTO tokens (id, secret_hash, tenant_ddi, role, created_at) VALUES ('tok_0000000000000002', zeroblob(32), '1001', 'owner', '2026-01-01')",
        "INSERT INTO tokens (id, secret_hash, tenant_ddi, staff_name, role, created_at) VALUES ('tok_0000000000000003', zeroblob(32), '1001', 'alice', 'member', '2026-01-01')",
        "INSERT INTO tokens (id, secret_hash, created_at) VALUES ('tok_0000000000000004', zeroblob(32), '2026-01-01')",
        "INSERT INTO tokens (id, secret_hash, tenant_ddi, created_at) VALUES ('tok_0000000000000005', zeroblob(32), '1001', '2026-01-01')",
        "INSERT INTO tokens (id, secret_hash, tenant_ddi, role, created_at) VALUES ('secret-token-000001', zeroblob(32), '1001', 'member', '2026-01-01')",
        image(id: "00000000-0000-0000-0000-000000000002", status: "bogus"),
        image(id: "00000000-0000-0000-0000-000000000003", visibility: "secret"),
        image(id: "00000000-0000-0000-0000-000000000004", diskFormat: "'exe'"),
        image(id: "00000000-0000-0000-0000-000000000005", containerFormat: "'zip'"),
        image(id: "00000000-0000-0000-0000-000000000006", owner: "10a1"),
        image(id: "00000000-0000-0000-0000-000000000007", origin: "teleport"),
        image(id: "00000000-0000-0000-0000-000000000008", status: "active"),
        image(id: "00000000-0000-0000-0000-000000000009", tags: "not json"),
        image(id: "00000000-0000-0000-0000-00000000000a", minDisk: -1),
        image(id: "short-id"),
        "INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES ('00000000-0000-0000-0000-000000000001', '2002', 'maybe', '2026-01-01', '2026-01-01')",
        "INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES ('00000000-0000-0000-0000-000000000001', 'tenant-2002', 'pending', '2026-01-01', '2026-01-01')",
        "INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES ('00000000-0000-0000-0000-000000000001', '', 'pending', '2026-01-01', '2026-01-01')",
        "INSERT INTO share_grants (image_id, member, first_granted_at) VALUES ('00000000-0000-0000-0000-000000000001', '2002x', '2026-01-01')",
        "INSERT INTO servers (id, tenant, name, image_id, status, disk_size, created_at, updated_at) VALUES ('10000000-0000-0000-0000-000000000001', '1001', 's', '00000000-0000-0000-0000-000000000001', 'BOOTING', 0, '2026-01-01', '2026-01-01')",
        "INSERT INTO servers (id, tenant, name, image_id, status, disk_size, created_at, updated_at) VALUES ('10000000-0000-0000-0000-000000000002', 'abc', 's', '00000000-0000-0000-0000-000000000001', 'ACTIVE', 0, '2026-01-01', '2026-01-01')",
        "INSERT INTO containers (tenant, name, created_at) VALUES ('1001', 'a/b', '2026-01-01')",
        "INSERT INTO containers (tenant, name, created_at) VALUES ('x1001', 'c', '2026-01-01')",
        "INSERT INTO tasks (id, type, status, owner, input, requested_by_role, request_id, created_at, updated_at) VALUES ('20000000-0000-0000-0000-000000000001', 'copy', 'pending', '1001', '{}', 'member', 'r', '2026-01-01', '2026-01-01')",
        "INSERT INTO tasks (id, type, status, owner, input, requested_by_role, request_id, created_at, updated_at) VALUES ('20000000-0000-0000-0000-000000000002', 'import', 'done', '1001', '{}', 'member', 'r', '2026-01-01', '2026-01-01')",
        "INSERT INTO tasks (id, type, status, owner, input, requested_by_role, request_id, created_at, updated_at) VALUES ('20000000-0000-0000-0000-000000000003', 'import', 'pending', '1001', '{}', 'support', 'r', '2026-01-01', '2026-01-01')",
        "INSERT INTO tasks (id, type, status, owner, input, requested_by_role, request_id, created_at, updated_at) VALUES ('20000000-0000-0000-0000-000000000004', 'import', 'pending', '1001', '{not json', 'member', 'r', '2026-01-01', '2026-01-01')",
        "INSERT INTO ended_sessions (sid, expires_at) VALUES ('short', '2026-01-01')",
    ]

    /// An INSERT of an image row; every argument defaults to a valid value.
    static func image(
        id: String, owner: String = "1001", status: String = "queued", visibility: String = "shared", diskFormat: String = "'raw'",
        containerFormat: String = "'bare'", origin: String = "upload", tags: String = "[]", minDisk: Int = 0
    ) -> String {
        """
        INSERT INTO images (id, owner, status, visibility, disk_format, container_format, min_disk, tags, properties, origin, created_at, updated_at)
        VALUES ('\(id)', '\(owner)', '\(status)', '\(visibility)', \(diskFormat), \(containerFormat), \(minDisk), '\(tags)', '{}', '\(origin)', '2026-01-01', '2026-01-01')
        """
    }

    /// Rows the constraint cases rely on: a tenant, a staff account and a valid image.
    static func fixtures() async throws -> AppDatabase {
        let database = try AppDatabase.inMemory()
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO tenants (ddi, name, created_at) VALUES ('1001', 'A', '2026-01-01')")
            try db.execute(sql: "INSERT INTO staff (name, role, created_at) VALUES ('alice', 'support', '2026-01-01')")
            try db.execute(sql: image(id: "00000000-0000-0000-0000-000000000001"))
        }
        return database
    }

    @Test func fixtures_areValid_andValidVariantsAreAccepted() async throws {
        // The control: the same shapes with valid values go in, so each refused case breaks one rule only.
        let database = try await Self.fixtures()
        try await database.writer.write { db in
            try db.execute(sql: Self.image(id: "00000000-0000-0000-0000-0000000000ff", owner: "1234567890123456", status: "importing", visibility: "community", diskFormat: "NULL", containerFormat: "NULL", origin: "import"))
            try db.execute(
                sql: "INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES ('00000000-0000-0000-0000-000000000001', '2002', 'rejected', '2026-01-01', '2026-01-01')")
            try db.execute(
                sql: "INSERT INTO tokens (id, secret_hash, staff_name, created_at) VALUES ('tok_00000000000000ff', zeroblob(32), 'alice', '2026-01-01')")
            try db.execute(
                sql: "INSERT INTO tasks (id, type, status, owner, input, requested_by_role, request_id, created_at, updated_at) VALUES ('20000000-0000-0000-0000-0000000000ff', 'export', 'failure', '1001', '{}', 'admin', 'r', '2026-01-01', '2026-01-01')")
        }
    }

    @Test(arguments: refusedInserts)
    func insert_breakingAConstraint_isRefused(_ sql: String) async throws {
        // Given a database with valid fixture rows
        let database = try await Self.fixtures()
        // When a row breaks one constraint
        // Then SQLite refuses it with a constraint error
        do {
            try await database.writer.write { db in try db.execute(sql: sql) }
            Issue.record("The insert was accepted: \(sql)")
        } catch let error as DatabaseError {
            #expect(error.resultCode == .SQLITE_CONSTRAINT, "\(error)")
        }
    }

    @Test func foreignKeys_areOn_andEnforced() async throws {
        let database = try await Self.fixtures()
        let enabled = try await database.reader.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(enabled == 1)
        do {
            try await database.writer.write { db in
                try db.execute(
                    sql: "INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES ('99999999-0000-0000-0000-000000000001', '2002', 'pending', '2026-01-01', '2026-01-01')")
            }
            Issue.record("A member of a missing image was accepted.")
        } catch let error as DatabaseError {
            #expect(error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY, "\(error)")
        }
    }

    // MARK: Audit trail

    @Test(arguments: ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events", "UPDATE audit_events SET detail = NULL WHERE id = 1"])
    func auditEvents_areAppendOnly(_ sql: String) async throws {
        // Given an audit event written through the store
        let database = try AppDatabase.inMemory()
        let store = SQLiteStore(database: database)
        try await store.apply([.audit(AuditEvent(at: Date(), type: .tenantCreated, actor: .cli("test"), otherTenant: try TenantID.parse("1001")))])
        let count = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_events") }
        #expect(count == 1)
        // When something tries to change or delete it
        do {
            try await database.writer.write { db in try db.execute(sql: sql) }
            Issue.record("The audit trail was changed by: \(sql)")
        } catch let error as DatabaseError {
            // Then the trigger refuses, and the event is unchanged
            #expect(error.message?.contains("audit events are append-only") == true, "\(error)")
        }
        let after = try await database.reader.read { db -> (actor: String, type: String)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT actor, type FROM audit_events") else { return nil }
            return (row["actor"], row["type"])
        }
        #expect(after?.actor == "staff operator (admin)")
        #expect(after?.type == "tenant.created")
    }

    // MARK: Connection settings

    @Test func openFile_usesWALAndSynchronousFull_onEveryConnection() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portal-pragma-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try AppDatabase.open(path: directory + "/portal.sqlite")
        let onWriter = try await database.writer.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(onWriter.0 == "wal")
        #expect(onWriter.1 == 2)
        #expect(onWriter.2 == 1)
        let onReader = try await database.reader.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(onReader.0 == "wal")
        #expect(onReader.1 == 2)
        #expect(onReader.2 == 1)
    }

    @Test func inMemory_usesSynchronousFullAndForeignKeys() async throws {
        let database = try AppDatabase.inMemory()
        let settings = try await database.reader.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(settings.0 == 2)
        #expect(settings.1 == 1)
    }
}

/// The pinned schema. A migration that changes it changes this snapshot in the same commit.
private let expectedSchema = #"""
-- index audit_by_actor_tenant
CREATE INDEX audit_by_actor_tenant ON audit_events(actor_tenant, id)
-- index audit_by_image
CREATE INDEX audit_by_image ON audit_events(image_id, id)
-- index audit_by_image_owner
CREATE INDEX audit_by_image_owner ON audit_events(image_owner, id)
-- index audit_by_other_tenant
CREATE INDEX audit_by_other_tenant ON audit_events(other_tenant, id)
-- table audit_events
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at DATETIME NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_tenant TEXT,
    actor_staff TEXT,
    token_id TEXT,
    request_id TEXT NOT NULL,
    image_id TEXT,
    image_owner TEXT,
    other_tenant TEXT,
    before TEXT,
    after TEXT,
    detail TEXT
    )
-- trigger audit_events_are_append_only_delete
CREATE TRIGGER audit_events_are_append_only_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
-- trigger audit_events_are_append_only_update
CREATE TRIGGER audit_events_are_append_only_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
-- table containers
CREATE TABLE containers (
    tenant TEXT NOT NULL CHECK (length(tenant) BETWEEN 1 AND 16 AND tenant NOT GLOB '*[^0-9]*'),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256 AND instr(name, '/') = 0),
    created_at DATETIME NOT NULL,
    PRIMARY KEY (tenant, name)
    ) WITHOUT ROWID
-- table ended_sessions
CREATE TABLE ended_sessions (
    sid TEXT PRIMARY KEY NOT NULL CHECK (length(sid) BETWEEN 16 AND 64),
    expires_at DATETIME NOT NULL
    ) WITHOUT ROWID
-- table image_members
CREATE TABLE image_members (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    member TEXT NOT NULL CHECK (length(member) BETWEEN 1 AND 16 AND member NOT GLOB '*[^0-9]*'),
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    can_share BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (image_id, member)
    ) WITHOUT ROWID
-- index image_members_by_member
CREATE INDEX image_members_by_member ON image_members(member, status, image_id)
-- table images
CREATE TABLE images (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    name TEXT,
    owner TEXT NOT NULL CHECK (length(owner) BETWEEN 1 AND 16 AND owner NOT GLOB '*[^0-9]*'),
    status TEXT NOT NULL CHECK (status IN ('queued','saving','active','killed','deleted','importing','deactivated','uploading','pending_delete')),
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'community', 'shared', 'private')),
    disk_format TEXT CHECK (disk_format IS NULL OR disk_format IN ('ami','ari','aki','vhd','vhdx','vmdk','raw','qcow2','vdi','iso','ploop')),
    container_format TEXT CHECK (container_format IS NULL OR container_format IN ('ami','ari','aki','bare','ovf','ova','docker','compressed')),
    size INTEGER CHECK (size IS NULL OR size >= 0),
    virtual_size INTEGER,
    checksum TEXT,
    os_hash_algo TEXT,
    os_hash_value TEXT,
    min_disk INTEGER NOT NULL DEFAULT 0 CHECK (min_disk >= 0),
    min_ram INTEGER NOT NULL DEFAULT 0 CHECK (min_ram >= 0),
    protected BOOLEAN NOT NULL DEFAULT 0,
    os_hidden BOOLEAN NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),
    origin TEXT NOT NULL CHECK (origin IN ('upload', 'import', 'snapshot', 'copy')),
    parent_image_id TEXT REFERENCES images(id),
    source_server_id TEXT,
    source_container TEXT,
    source_object TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    deleted_at DATETIME,
    CHECK (status NOT IN ('active', 'deactivated') OR (checksum IS NOT NULL AND size IS NOT NULL))
    )
-- index images_by_created
CREATE INDEX images_by_created ON images(created_at, id)
-- index images_by_hash
CREATE INDEX images_by_hash ON images(os_hash_value) WHERE os_hash_value IS NOT NULL
-- index images_by_owner
CREATE INDEX images_by_owner ON images(owner, created_at, id)
-- index images_by_parent
CREATE INDEX images_by_parent ON images(parent_image_id) WHERE parent_image_id IS NOT NULL
-- index images_by_visibility
CREATE INDEX images_by_visibility ON images(visibility, created_at, id)
-- table installation
CREATE TABLE installation (
    singleton BOOLEAN PRIMARY KEY NOT NULL DEFAULT 1 CHECK (singleton = 1),
    id TEXT NOT NULL CHECK (length(id) BETWEEN 16 AND 64),
    created_at DATETIME NOT NULL
    )
-- table objects
CREATE TABLE objects (
    tenant TEXT NOT NULL,
    container TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 1024),
    blob TEXT NOT NULL UNIQUE CHECK (length(blob) = 36),
    size INTEGER NOT NULL CHECK (size >= 0),
    etag TEXT NOT NULL CHECK (length(etag) = 32),
    content_type TEXT NOT NULL,
    source_image_id TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (tenant, container, name),
    FOREIGN KEY (tenant, container) REFERENCES containers(tenant, name)
    ) WITHOUT ROWID
-- table servers
CREATE TABLE servers (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    tenant TEXT NOT NULL CHECK (length(tenant) BETWEEN 1 AND 16 AND tenant NOT GLOB '*[^0-9]*'),
    name TEXT NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id),
    status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DELETED')),
    disk_size INTEGER NOT NULL CHECK (disk_size >= 0),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    deleted_at DATETIME
    )
-- index servers_by_tenant
CREATE INDEX servers_by_tenant ON servers(tenant, created_at)
-- table share_grants
CREATE TABLE share_grants (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    member TEXT NOT NULL CHECK (length(member) BETWEEN 1 AND 16 AND member NOT GLOB '*[^0-9]*'),
    first_granted_at DATETIME NOT NULL,
    PRIMARY KEY (image_id, member)
    ) WITHOUT ROWID
-- index share_grants_by_member
CREATE INDEX share_grants_by_member ON share_grants(member, image_id)
-- table staff
CREATE TABLE staff (
    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    role TEXT NOT NULL CHECK (role IN ('support', 'admin')),
    created_at DATETIME NOT NULL
    )
-- table tasks
CREATE TABLE tasks (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    type TEXT NOT NULL CHECK (type IN ('import', 'export')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'success', 'failure')),
    owner TEXT NOT NULL CHECK (length(owner) BETWEEN 1 AND 16 AND owner NOT GLOB '*[^0-9]*'),
    input TEXT NOT NULL CHECK (json_valid(input)),
    result TEXT CHECK (result IS NULL OR json_valid(result)),
    message TEXT NOT NULL DEFAULT '',
    requested_by_role TEXT NOT NULL CHECK (requested_by_role IN ('member', 'admin')),
    token_id TEXT,
    request_id TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    expires_at DATETIME
    , lease_owner TEXT, lease_until DATETIME)
-- index tasks_by_owner
CREATE INDEX tasks_by_owner ON tasks(owner, created_at)
-- index tasks_by_status
CREATE INDEX tasks_by_status ON tasks(status, created_at)
-- table tenants
CREATE TABLE tenants (
    ddi TEXT PRIMARY KEY NOT NULL CHECK (length(ddi) BETWEEN 1 AND 16 AND ddi NOT GLOB '*[^0-9]*'),
    name TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
    )
-- table tokens
CREATE TABLE tokens (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 20 AND id GLOB 'tok_*'),
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    tenant_ddi TEXT REFERENCES tenants(ddi) ON DELETE CASCADE,
    staff_name TEXT REFERENCES staff(name) ON DELETE CASCADE,
    role TEXT CHECK (role IS NULL OR role IN ('member', 'admin')),
    label TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    expires_at DATETIME,
    revoked_at DATETIME,
    last_used_at DATETIME,
    CHECK ((tenant_ddi IS NULL) <> (staff_name IS NULL)),
    CHECK (tenant_ddi IS NULL OR role IS NOT NULL)
    )
-- index tokens_by_staff
CREATE INDEX tokens_by_staff ON tokens(staff_name)
-- index tokens_by_tenant
CREATE INDEX tokens_by_tenant ON tokens(tenant_ddi)
-- table upload_leases
CREATE TABLE upload_leases (
    image_id TEXT PRIMARY KEY NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    lease_owner TEXT NOT NULL,
    lease_until DATETIME NOT NULL
    ) WITHOUT ROWID
"""#
