import GRDB

/// The schema, one migration per change. Constraints live here: NOT NULL, foreign keys, CHECKs on enums.
enum Migrations {
    /// A CHECK that `column` holds a tenant ID (1 to 16 ASCII digits).
    private static func ddiCheck(_ column: String) -> String {
        "length(\(column)) BETWEEN 1 AND 16 AND \(column) NOT GLOB '*[^0-9]*'"
    }

    private static func list(_ values: [String]) -> String {
        values.map { "'\($0)'" }.joined(separator: ",")
    }

    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-24 tenants, staff, tokens and audit events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenants (
                        ddi TEXT PRIMARY KEY NOT NULL CHECK (\(ddiCheck("ddi"))),
                        name TEXT NOT NULL DEFAULT '',
                        created_at DATETIME NOT NULL
                    );
                    CREATE TABLE staff (
                        name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                        role TEXT NOT NULL CHECK (role IN ('support', 'admin')),
                        created_at DATETIME NOT NULL
                    );
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
                    );
                    CREATE INDEX tokens_by_tenant ON tokens(tenant_ddi);
                    CREATE INDEX tokens_by_staff ON tokens(staff_name);
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
                    );
                    CREATE INDEX audit_by_image_owner ON audit_events(image_owner, id);
                    CREATE INDEX audit_by_other_tenant ON audit_events(other_tenant, id);
                    CREATE INDEX audit_by_actor_tenant ON audit_events(actor_tenant, id);
                    CREATE INDEX audit_by_image ON audit_events(image_id, id);
                    CREATE TRIGGER audit_events_are_append_only_update BEFORE UPDATE ON audit_events
                    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    CREATE TRIGGER audit_events_are_append_only_delete BEFORE DELETE ON audit_events
                    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    """)
        }

        migrator.registerMigration("2026-11-24 images, members and share history") { db in
            let statuses = list(["queued", "saving", "active", "killed", "deleted", "importing", "deactivated", "uploading", "pending_delete"])
            let disks = list(["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"])
            let containers = list(["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"])
            try db.execute(
                sql: """
                    CREATE TABLE images (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
                        name TEXT,
                        owner TEXT NOT NULL CHECK (\(ddiCheck("owner"))),
                        status TEXT NOT NULL CHECK (status IN (\(statuses))),
                        visibility TEXT NOT NULL CHECK (visibility IN ('public', 'community', 'shared', 'private')),
                        disk_format TEXT CHECK (disk_format IS NULL OR disk_format IN (\(disks))),
                        container_format TEXT CHECK (container_format IS NULL OR container_format IN (\(containers))),
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
                    );
                    CREATE INDEX images_by_created ON images(created_at, id);
                    CREATE INDEX images_by_owner ON images(owner, created_at, id);
                    CREATE INDEX images_by_visibility ON images(visibility, created_at, id);
                    CREATE INDEX images_by_hash ON images(os_hash_value) WHERE os_hash_value IS NOT NULL;
                    CREATE INDEX images_by_parent ON images(parent_image_id) WHERE parent_image_id IS NOT NULL;
                    CREATE TABLE image_members (
                        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                        member TEXT NOT NULL CHECK (\(ddiCheck("member"))),
                        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
                        can_share BOOLEAN NOT NULL DEFAULT 0,
                        created_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL,
                        PRIMARY KEY (image_id, member)
                    ) WITHOUT ROWID;
                    CREATE INDEX image_members_by_member ON image_members(member, status, image_id);
                    CREATE TABLE share_grants (
                        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                        member TEXT NOT NULL CHECK (\(ddiCheck("member"))),
                        first_granted_at DATETIME NOT NULL,
                        PRIMARY KEY (image_id, member)
                    ) WITHOUT ROWID;
                    CREATE INDEX share_grants_by_member ON share_grants(member, image_id);
                    """)
        }

        migrator.registerMigration("2026-11-24 servers, containers, objects and tasks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE servers (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
                        tenant TEXT NOT NULL CHECK (\(ddiCheck("tenant"))),
                        name TEXT NOT NULL,
                        image_id TEXT NOT NULL REFERENCES images(id),
                        status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DELETED')),
                        disk_size INTEGER NOT NULL CHECK (disk_size >= 0),
                        created_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL,
                        deleted_at DATETIME
                    );
                    CREATE INDEX servers_by_tenant ON servers(tenant, created_at);
                    CREATE TABLE containers (
                        tenant TEXT NOT NULL CHECK (\(ddiCheck("tenant"))),
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256 AND instr(name, '/') = 0),
                        created_at DATETIME NOT NULL,
                        PRIMARY KEY (tenant, name)
                    ) WITHOUT ROWID;
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
                    ) WITHOUT ROWID;
                    CREATE TABLE tasks (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
                        type TEXT NOT NULL CHECK (type IN ('import', 'export')),
                        status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'success', 'failure')),
                        owner TEXT NOT NULL CHECK (\(ddiCheck("owner"))),
                        input TEXT NOT NULL CHECK (json_valid(input)),
                        result TEXT CHECK (result IS NULL OR json_valid(result)),
                        message TEXT NOT NULL DEFAULT '',
                        requested_by_role TEXT NOT NULL CHECK (requested_by_role IN ('member', 'admin')),
                        token_id TEXT,
                        request_id TEXT NOT NULL,
                        created_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL,
                        expires_at DATETIME
                    );
                    CREATE INDEX tasks_by_owner ON tasks(owner, created_at);
                    CREATE INDEX tasks_by_status ON tasks(status, created_at);
                    """)
        }

        migrator.registerMigration("2026-11-24 ended browser sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ended_sessions (
                        sid TEXT PRIMARY KEY NOT NULL CHECK (length(sid) BETWEEN 16 AND 64),
                        expires_at DATETIME NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    
        migrator.registerMigration("2026-12-03 task and upload leases") { db in
            try db.execute(
                sql: """
                    ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
                    ALTER TABLE tasks ADD COLUMN lease_until DATETIME;
                    CREATE TABLE upload_leases (
                        image_id TEXT PRIMARY KEY NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                        lease_owner TEXT NOT NULL,
                        lease_until DATETIME NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }

        // Which installation this is, so that `migrate-data` can tell a resumed run from another
        // installation's target.
        migrator.registerMigration("2026-12-03 installation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE installation (
                        singleton BOOLEAN PRIMARY KEY NOT NULL DEFAULT 1 CHECK (singleton = 1),
                        id TEXT NOT NULL CHECK (length(id) BETWEEN 16 AND 64),
                        created_at DATETIME NOT NULL
                    );
                    INSERT INTO installation (singleton, id, created_at) VALUES (1, lower(hex(randomblob(16))), CURRENT_TIMESTAMP);
                    """)
        }
    }
}
