import Foundation
package import PortalAuth
package import PortalCore
import PortalDomain
package import PortalStorage

/// Everything the application is built from: the one place that constructs the storage adapters.
/// `live` opens the data directory; `testing` gives an in-memory database, a temporary data
/// directory and a fixed (or given) clock.
package struct AppDependencies: Sendable {
    package var database: AppDatabase
    package var files: DataDirectory
    /// The use cases every API, the portal, the command line and the services call.
    package var useCases: UseCases
    /// Wakes the background task runner.
    package var taskSignal: TaskSignal
    /// HMAC keys of session cookies and CSRF tokens.
    package var sessionKeys: SessionKeys

    package init(database: AppDatabase, files: DataDirectory, clock: PortalClock, settings: CoreSettings, sessionKeys: SessionKeys) {
        self.database = database
        self.files = files
        let core = CoreContext(
            records: SQLiteStore(database: database), blobs: FileBlobStore(files: files),
            objects: SQLiteObjectStore(database: database, files: files, clock: clock), clock: clock, settings: settings)
        let signal = TaskSignal()
        taskSignal = signal
        useCases = UseCases(core: core, signInLimiter: RateLimiter(), wakeTaskRunner: { signal.fire() })
        self.sessionKeys = sessionKeys
    }

    /// The clock the use cases read.
    package var clock: PortalClock { useCases.clock }
    /// The operator's settings.
    package var settings: CoreSettings { useCases.settings }

    /// The settings a configuration asks for.
    package static func settings(for configuration: AppConfiguration) -> CoreSettings {
        CoreSettings(
            access: AccessSettings(rejectedMembersLoseAccess: configuration.rejectedMembersLoseAccess, supportMayDownload: configuration.supportMayDownload),
            memberQuota: configuration.memberQuota, uploadSizeCap: configuration.uploadSizeCap)
    }

    /// Opens the data directory (creating it if needed) and its database.
    package static func live(_ configuration: AppConfiguration) throws -> AppDependencies {
        let files = DataDirectory(root: configuration.dataDirectory)
        try files.createDirectories()
        let database = try AppDatabase.open(path: files.databasePath)
        let keys = try SessionKeys.load(path: files.secretsPath + "/session-keys")
        return AppDependencies(database: database, files: files, clock: .system, settings: settings(for: configuration), sessionKeys: keys)
    }

    /// In-memory database, a fresh temporary data directory, and `clock` (a fixed one by default).
    package static func testing(settings: CoreSettings, clock: PortalClock? = nil) throws -> AppDependencies {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("portal-test-\(UUID().uuidString)").path
        let files = DataDirectory(root: root)
        try files.createDirectories()
        let fixed = Date(timeIntervalSince1970: 1_767_225_600)
        return AppDependencies(
            database: try AppDatabase.inMemory(), files: files, clock: clock ?? PortalClock { fixed }, settings: settings,
            sessionKeys: try SessionKeys.ephemeral())
    }
}
