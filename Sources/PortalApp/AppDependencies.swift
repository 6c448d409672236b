import Foundation
package import PortalAuth
package import PortalCore
import PortalDomain
package import PortalStorage

/// Everything the application is built from: the one place that chooses and constructs the storage
/// adapters. The embedded default is SQLite and files in the data directory; a cluster uses
/// PostgreSQL (and, with `objectStore = swift`, OpenStack Swift), shared by any number of instances.
package struct AppDependencies: Sendable {
    /// The stores, as their own types (for the checks, the migration and the tests that look inside).
    package enum Backend: Sendable {
        /// SQLite and files in the data directory, for one instance.
        case embedded(database: AppDatabase, blobs: FileBlobStore, objects: SQLiteObjectStore)
        /// PostgreSQL and Swift, shared by any number of instances.
        case cluster(database: PostgresDatabase, blobs: SwiftBlobStore, objects: SwiftObjectStore)
    }

    /// The local data directory: uploads in progress (`tmp/`), and in the embedded mode everything.
    package var files: DataDirectory
    /// Which stores these are.
    package var backend: Backend
    /// The use cases every API, the portal, the command line and the services call.
    package var useCases: UseCases
    /// Wakes the background task runner.
    package var taskSignal: TaskSignal
    /// HMAC keys of session cookies and CSRF tokens.
    package var sessionKeys: SessionKeys

    /// The embedded database, when the metadata lives in SQLite.
    package var sqlite: AppDatabase? {
        if case .embedded(let database, _, _) = backend { database } else { nil }
    }
    /// The shared database, when the metadata lives in PostgreSQL.
    package var postgres: PostgresDatabase? {
        if case .cluster(let database, _, _) = backend { database } else { nil }
    }

    /// The clock the use cases read.
    package var clock: PortalClock { useCases.clock }
    /// The operator's settings.
    package var settings: CoreSettings { useCases.settings }
    /// Whether this instance shares its stores with others (recovery then works by leases, never by
    /// resetting what another instance may be doing).
    package var isShared: Bool { postgres != nil }

    /// Builds the use cases over chosen stores.
    init(
        files: DataDirectory, backend: Backend, records: any MetadataStore, blobs: any BlobStore, objects: any ObjectStore, limiter: any SignInLimiter,
        clock: PortalClock, settings: CoreSettings, sessionKeys: SessionKeys, instance: String
    ) {
        self.files = files
        self.backend = backend
        let signal = TaskSignal()
        taskSignal = signal
        let core = CoreContext(records: records, blobs: blobs, objects: objects, clock: clock, settings: settings, instance: instance)
        useCases = UseCases(core: core, signInLimiter: limiter, wakeTaskRunner: { signal.fire() })
        self.sessionKeys = sessionKeys
    }

    /// The embedded stores: SQLite and files under `files`.
    package static func embedded(
        database: AppDatabase, files: DataDirectory, clock: PortalClock, settings: CoreSettings, sessionKeys: SessionKeys
    ) -> AppDependencies {
        let blobs = FileBlobStore(files: files)
        let objects = SQLiteObjectStore(database: database, files: files, clock: clock)
        return AppDependencies(
            files: files, backend: .embedded(database: database, blobs: blobs, objects: objects), records: SQLiteStore(database: database), blobs: blobs,
            objects: objects, limiter: RateLimiter(), clock: clock, settings: settings, sessionKeys: sessionKeys, instance: "local")
    }

    /// The shared stores: PostgreSQL for the records and what instances share, Swift for the bytes.
    package static func cluster(
        postgres: PostgresDatabase, swift: SwiftStores, files: DataDirectory, clock: PortalClock, settings: CoreSettings
    ) async throws -> AppDependencies {
        let keys = SessionKeys(keys: try await postgres.sessionKeys())
        _ = try await postgres.installationID()
        let instance = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
        return AppDependencies(
            files: files, backend: .cluster(database: postgres, blobs: swift.blobs, objects: swift.objects), records: PostgresStore(database: postgres),
            blobs: swift.blobs, objects: swift.objects, limiter: PostgresSignInLimiter(database: postgres), clock: clock, settings: settings,
            sessionKeys: keys, instance: instance)
    }

    /// The settings a configuration asks for.
    package static func settings(for configuration: AppConfiguration) -> CoreSettings {
        CoreSettings(
            access: AccessSettings(rejectedMembersLoseAccess: configuration.rejectedMembersLoseAccess, supportMayDownload: configuration.supportMayDownload),
            memberQuota: configuration.memberQuota, uploadSizeCap: configuration.uploadSizeCap)
    }

    /// Opens the stores the configuration names (creating the data directory and migrating the schema as needed).
    package static func live(_ configuration: AppConfiguration) async throws -> AppDependencies {
        let files = DataDirectory(root: configuration.dataDirectory)
        try files.createDirectories()
        let settings = settings(for: configuration)
        guard configuration.usesPostgres, let url = configuration.database else {
            guard configuration.objectStore == "files" else {
                throw ConfigurationError("--object-store \(configuration.objectStore) needs --database postgres://… (several instances share it).")
            }
            let path = try sqlitePath(configuration, files: files)
            let database = try AppDatabase.open(path: path)
            let keys = try SessionKeys.load(path: files.secretsPath + "/session-keys")
            return .embedded(database: database, files: files, clock: .system, settings: settings, sessionKeys: keys)
        }
        guard let location = PostgresDatabase.Location(url: url) else {
            throw ConfigurationError("--database must be sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=disable|prefer|require].")
        }
        let postgres: PostgresDatabase
        do {
            postgres = try await PostgresDatabase.open(location)
        } catch {
            throw ConfigurationError("Cannot use the database \(location.redacted): \(PostgresDatabase.explain(error))")
        }
        do {
            return try await cluster(postgres: postgres, configuration: configuration, files: files, settings: settings)
        } catch {
            postgres.close()
            throw error
        }
    }

    /// Lets go of the shared database's connections (the embedded one closes with the process).
    package func close() {
        postgres?.close()
    }

    /// The cluster stores the configuration names, over an open database.
    static func cluster(postgres: PostgresDatabase, configuration: AppConfiguration, files: DataDirectory, settings: CoreSettings) async throws -> AppDependencies {
        switch configuration.objectStore {
        case "swift":
            let swiftConfiguration = try swiftConfiguration(configuration)
            let swift: SwiftStores
            do {
                swift = try await SwiftStores.open(swiftConfiguration)
            } catch {
                throw ConfigurationError("Cannot use Swift at \(swiftConfiguration.authURL.absoluteString): \(error)")
            }
            return try await cluster(postgres: postgres, swift: swift, files: files, clock: .system, settings: settings)
        case "files":
            throw ConfigurationError(
                "--database postgres://… keeps the bytes in --object-store swift: files on one machine's disk cannot be shared by several instances.")
        default:
            throw ConfigurationError("--object-store must be files or swift, not '\(configuration.objectStore.prefix(32))'.")
        }
    }

    /// The SQLite file: `sqlite:PATH`, or `portal.sqlite` in the data directory.
    static func sqlitePath(_ configuration: AppConfiguration, files: DataDirectory) throws -> String {
        guard let url = configuration.database else { return files.databasePath }
        guard url.hasPrefix("sqlite:") else {
            throw ConfigurationError("--database must be sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=disable|prefer|require].")
        }
        let path = String(url.dropFirst("sqlite:".count))
        guard !path.isEmpty else { return files.databasePath }
        // `sqlite:DIR` names a data directory (as `migrate-data --from` does); a file path names the file.
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path + "/portal.sqlite" }
        return path
    }

    /// The Swift settings a configuration gives, all of them required.
    static func swiftConfiguration(_ configuration: AppConfiguration) throws -> SwiftConfiguration {
        let options = configuration.swift
        guard let auth = options.authURL, let authURL = URL(string: auth), let user = options.user, let key = options.key else {
            throw ConfigurationError("--object-store swift needs PORTAL_SWIFT_AUTH_URL (an /auth/v1.0 URL), PORTAL_SWIFT_USER and PORTAL_SWIFT_KEY.")
        }
        guard (1...(5 << 30)).contains(options.segmentSize) else {
            throw ConfigurationError("PORTAL_SWIFT_SEGMENT_SIZE must be 1 byte to 5 GiB (Swift's largest object).")
        }
        return SwiftConfiguration(
            authURL: authURL, user: user, key: key, resellerPrefix: options.resellerPrefix, segmentSize: options.segmentSize,
            containerPrefix: options.containerPrefix)
    }

    /// In-memory database, a fresh temporary data directory, and `clock` (a fixed one by default).
    package static func testing(settings: CoreSettings, clock: PortalClock? = nil) throws -> AppDependencies {
        let files = try temporaryDirectory()
        let fixed = Date(timeIntervalSince1970: 1_767_225_600)
        return .embedded(
            database: try AppDatabase.inMemory(), files: files, clock: clock ?? PortalClock { fixed }, settings: settings, sessionKeys: try SessionKeys.ephemeral())
    }

    /// A fresh data directory under the system's temporary directory.
    package static func temporaryDirectory() throws -> DataDirectory {
        let files = DataDirectory(root: FileManager.default.temporaryDirectory.appendingPathComponent("portal-test-\(UUID().uuidString)").path)
        try files.createDirectories()
        return files
    }
}

/// What a `migrate-data` run did: one line for the operator, and what could not be moved.
package struct DataMigrationOutcome: Sendable {
    package var summary: String
    package var problems: [String]

    init(_ report: DataMigration.Report) {
        let rows = report.rows.values.reduce(0, +)
        summary =
            report.wasComplete
            ? "Nothing left to copy: the cluster already holds everything (\(report.imagesPresent) images, \(report.disksPresent) server disks, "
                + "\(report.objectsPresent) objects)."
            : "Copied \(rows) rows, \(report.imagesCopied) images, \(report.disksCopied) server disks, \(report.containers) containers and "
                + "\(report.objectsCopied) objects (\(report.bytesCopied) bytes), every checksum verified."
        problems = report.problems
    }
}

extension AppDependencies {
    /// `migrate-data`: moves the single-node installation at `from` (`sqlite:DIR`, a data directory)
    /// onto the cluster the configuration names (its `--database postgres://…` and Swift).
    package static func migrateData(
        from: String, configuration: AppConfiguration, progress: @escaping @Sendable (String) -> Void
    ) async throws -> DataMigrationOutcome {
        guard from.hasPrefix("sqlite:") else { throw ConfigurationError("--from must be sqlite:DIR, the data directory of the single node.") }
        let files = DataDirectory(root: String(from.dropFirst("sqlite:".count)))
        guard FileManager.default.fileExists(atPath: files.databasePath) else {
            throw ConfigurationError("--from \(from): there is no \(files.databasePath).")
        }
        guard configuration.usesPostgres, let url = configuration.database, let location = PostgresDatabase.Location(url: url) else {
            throw ConfigurationError("--to must be postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=disable|prefer|require].")
        }
        guard configuration.objectStore == "swift" else {
            throw ConfigurationError("--to postgres://… keeps the bytes in Swift: add --object-store swift (and PORTAL_SWIFT_*).")
        }
        let swiftConfiguration = try swiftConfiguration(configuration)
        let source = try AppDatabase.open(path: files.databasePath)
        let postgres: PostgresDatabase
        do {
            postgres = try await PostgresDatabase.open(location)
        } catch {
            throw ConfigurationError("Cannot use the database \(location.redacted): \(PostgresDatabase.explain(error))")
        }
        defer { postgres.close() }
        let swift: SwiftStores
        do {
            swift = try await SwiftStores.open(swiftConfiguration)
        } catch {
            throw ConfigurationError("Cannot use Swift at \(swiftConfiguration.authURL.absoluteString): \(error)")
        }
        let migration = DataMigration(source: source, files: files, target: postgres, blobs: swift.blobs, objects: swift.objects, progress: progress)
        do {
            return DataMigrationOutcome(try await migration.run())
        } catch let error as DataMigration.TargetInUse {
            throw ConfigurationError(error.description)
        }
    }
}

/// A configuration that cannot work, with what to change.
package struct ConfigurationError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
