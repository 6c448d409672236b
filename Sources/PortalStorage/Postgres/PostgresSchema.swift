import Foundation

/// The PostgreSQL schema, one migration per change, the same tables and constraints as the SQLite
/// schema (`Migrations`), plus what several instances share: session keys, sign-in failures and task
/// leases. Each migration is named "YYYY-MM-DD description" and never edited once shipped.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        (
            "2026-12-03 tenants, staff, tokens and audit events",
            """
            CREATE TABLE tenants (
                ddi TEXT PRIMARY KEY CHECK (ddi ~ '^[0-9]{1,16}$'),
                name TEXT NOT NULL DEFAULT '',
                created_at TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE staff (
                name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
                role TEXT NOT NULL CHECK (role IN ('support', 'admin')),
                created_at TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE tokens (
                id TEXT PRIMARY KEY CHECK (length(id) = 20 AND id LIKE 'tok\\_%'),
                secret_hash BYTEA NOT NULL CHECK (length(secret_hash) = 32),
                tenant_ddi TEXT REFERENCES tenants(ddi) ON DELETE CASCADE,
                staff_name TEXT REFERENCES staff(name) ON DELETE CASCADE,
                role TEXT CHECK (role IS NULL OR role IN ('member', 'admin')),
                label TEXT NOT NULL DEFAULT '',
                created_at TIMESTAMPTZ NOT NULL,
                expires_at TIMESTAMPTZ,
                revoked_at TIMESTAMPTZ,
                last_used_at TIMESTAMPTZ,
                CHECK ((tenant_ddi IS NULL) <> (staff_name IS NULL)),
                CHECK (tenant_ddi IS NULL OR role IS NOT NULL)
            );
            CREATE INDEX tokens_by_tenant ON tokens(tenant_ddi);
            CREATE INDEX tokens_by_staff ON tokens(staff_name);
            CREATE TABLE audit_events (
                id BIGSERIAL PRIMARY KEY,
                at TIMESTAMPTZ NOT NULL,
                type TEXT NOT NULL,
                actor TEXT NOT NULL,
                actor_tenant TEXT,
                actor_staff TEXT,
                token_id TEXT,
                request_id TEXT NOT NULL,
                image_id TEXT,
                image_owner TEXT,
                other_tenant TEXT,
                before JSONB,
                after JSONB,
                detail TEXT
            );
            CREATE INDEX audit_by_image_owner ON audit_events(image_owner, id);
            CREATE INDEX audit_by_other_tenant ON audit_events(other_tenant, id);
            CREATE INDEX audit_by_actor_tenant ON audit_events(actor_tenant, id);
            CREATE INDEX audit_by_image ON audit_events(image_id, id);
            CREATE FUNCTION audit_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$;
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_are_append_only();
            """
        ),
        (
            "2026-12-03 images, members and share history",
            """
            CREATE TABLE images (
                id TEXT COLLATE "C" PRIMARY KEY CHECK (length(id) = 36),
                name TEXT COLLATE "C",
                owner TEXT COLLATE "C" NOT NULL CHECK (owner ~ '^[0-9]{1,16}$'),
                status TEXT COLLATE "C" NOT NULL CHECK (status IN ('queued', 'saving', 'active', 'killed', 'deleted', 'importing', 'deactivated', 'uploading', 'pending_delete')),
                visibility TEXT NOT NULL CHECK (visibility IN ('public', 'community', 'shared', 'private')),
                disk_format TEXT COLLATE "C" CHECK (disk_format IS NULL OR disk_format IN ('ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop')),
                container_format TEXT COLLATE "C" CHECK (container_format IS NULL OR container_format IN ('ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed')),
                size BIGINT CHECK (size IS NULL OR size >= 0),
                virtual_size BIGINT,
                checksum TEXT,
                os_hash_algo TEXT,
                os_hash_value TEXT,
                min_disk INTEGER NOT NULL DEFAULT 0 CHECK (min_disk >= 0),
                min_ram INTEGER NOT NULL DEFAULT 0 CHECK (min_ram >= 0),
                protected BOOLEAN NOT NULL DEFAULT FALSE,
                os_hidden BOOLEAN NOT NULL DEFAULT FALSE,
                tags JSONB NOT NULL DEFAULT '[]',
                properties JSONB NOT NULL DEFAULT '{}',
                origin TEXT NOT NULL CHECK (origin IN ('upload', 'import', 'snapshot', 'copy')),
                parent_image_id TEXT COLLATE "C" REFERENCES images(id),
                source_server_id TEXT,
                source_container TEXT,
                source_object TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                deleted_at TIMESTAMPTZ,
                CHECK (status NOT IN ('active', 'deactivated') OR (checksum IS NOT NULL AND size IS NOT NULL))
            );
            CREATE INDEX images_by_created ON images(created_at, id);
            CREATE INDEX images_by_owner ON images(owner, created_at, id);
            CREATE INDEX images_by_visibility ON images(visibility, created_at, id);
            CREATE INDEX images_by_hash ON images(os_hash_value) WHERE os_hash_value IS NOT NULL;
            CREATE INDEX images_by_parent ON images(parent_image_id) WHERE parent_image_id IS NOT NULL;
            CREATE INDEX images_by_status ON images(status) WHERE status IN ('saving', 'importing');
            CREATE TABLE image_members (
                image_id TEXT COLLATE "C" NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                member TEXT COLLATE "C" NOT NULL CHECK (member ~ '^[0-9]{1,16}$'),
                status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
                can_share BOOLEAN NOT NULL DEFAULT FALSE,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (image_id, member)
            );
            CREATE INDEX image_members_by_member ON image_members(member, status, image_id);
            CREATE TABLE share_grants (
                image_id TEXT COLLATE "C" NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                member TEXT COLLATE "C" NOT NULL CHECK (member ~ '^[0-9]{1,16}$'),
                first_granted_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (image_id, member)
            );
            CREATE INDEX share_grants_by_member ON share_grants(member, image_id);
            """
        ),
        (
            "2026-12-03 servers, tasks with leases, and ended browser sessions",
            """
            CREATE TABLE servers (
                id TEXT PRIMARY KEY CHECK (length(id) = 36),
                tenant TEXT NOT NULL CHECK (tenant ~ '^[0-9]{1,16}$'),
                name TEXT NOT NULL,
                image_id TEXT COLLATE "C" NOT NULL REFERENCES images(id),
                status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DELETED')),
                disk_size BIGINT NOT NULL CHECK (disk_size >= 0),
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                deleted_at TIMESTAMPTZ
            );
            CREATE INDEX servers_by_tenant ON servers(tenant, created_at);
            CREATE TABLE tasks (
                id TEXT PRIMARY KEY CHECK (length(id) = 36),
                type TEXT NOT NULL CHECK (type IN ('import', 'export')),
                status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'success', 'failure')),
                owner TEXT NOT NULL CHECK (owner ~ '^[0-9]{1,16}$'),
                input JSONB NOT NULL,
                result JSONB,
                message TEXT NOT NULL DEFAULT '',
                requested_by_role TEXT NOT NULL CHECK (requested_by_role IN ('member', 'admin')),
                token_id TEXT,
                request_id TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                expires_at TIMESTAMPTZ,
                lease_owner TEXT,
                lease_until TIMESTAMPTZ
            );
            CREATE INDEX tasks_by_owner ON tasks(owner, created_at);
            CREATE INDEX tasks_by_status ON tasks(status, created_at);
            CREATE TABLE upload_leases (
                image_id TEXT COLLATE "C" PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
                lease_owner TEXT NOT NULL,
                lease_until TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE ended_sessions (
                sid TEXT PRIMARY KEY CHECK (length(sid) BETWEEN 16 AND 64),
                expires_at TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE session_keys (
                id INTEGER PRIMARY KEY,
                key BYTEA NOT NULL CHECK (length(key) >= 32),
                created_at TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE sign_in_failures (
                key TEXT NOT NULL,
                at TIMESTAMPTZ NOT NULL
            );
            CREATE INDEX sign_in_failures_by_key ON sign_in_failures(key, at);
            CREATE TABLE installation (
                singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
                id TEXT NOT NULL CHECK (length(id) BETWEEN 16 AND 64),
                created_at TIMESTAMPTZ NOT NULL
            );
            """
        ),
    ]

    /// The statements of a migration: split at semicolons outside `$$`-quoted bodies (the extended
    /// query protocol takes one statement at a time).
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quoted = false
        var index = sql.startIndex
        while index < sql.endIndex {
            if sql[index...].hasPrefix("$$") {
                quoted.toggle()
                current += "$$"
                index = sql.index(index, offsetBy: 2)
                continue
            }
            let character = sql[index]
            if character == ";" && !quoted {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                current.append(character)
            }
            index = sql.index(after: index)
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }
}
