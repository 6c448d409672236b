package import Foundation
package import PortalAuth
import PortalDomain
package import PortalStorage

/// Everything the application is built from. `live` opens the data directory; `testing` gives an
/// in-memory database, a temporary data directory and a fixed clock.
package struct AppDependencies: Sendable {
    package var database: AppDatabase
    package var files: DataDirectory
    package var clock: PortalClock
    package var settings: StorageSettings
    package var accounts: SQLAccountRepository
    package var images: any ImageRepository
    package var imageData: ImageDataService
    /// Start-up recovery of interrupted work.
    package var imageRecovery: SQLImageRepository
    package var objects: any ObjectRepository
    package var compute: any ComputeRepository
    package var tasks: any TaskRepository
    package var taskExecutor: TaskExecutor
    package var audit: any AuditRepository
    /// Wakes the background task runner.
    package var taskSignal: TaskSignal
    package var support: any SupportRepository
    package var sessions: any SessionStore
    /// HMAC keys of session cookies and CSRF tokens.
    package var sessionKeys: SessionKeys
    /// Failed sign-ins per address and account.
    package var loginLimiter: RateLimiter

    package init(database: AppDatabase, files: DataDirectory, clock: PortalClock, settings: StorageSettings, sessionKeys: SessionKeys) {
        self.database = database
        self.files = files
        self.clock = clock
        self.settings = settings
        accounts = SQLAccountRepository(database: database, clock: clock)
        let images = SQLImageRepository(database: database, files: files, clock: clock, settings: settings)
        self.images = images
        imageRecovery = images
        let objects = SQLObjectRepository(database: database, files: files, clock: clock, settings: settings)
        self.objects = objects
        compute = SQLComputeRepository(database: database, files: files, clock: clock, images: images)
        let signal = TaskSignal()
        taskSignal = signal
        tasks = SQLTaskRepository(database: database, clock: clock, wake: { signal.fire() })
        taskExecutor = TaskExecutor(database: database, files: files, clock: clock, settings: settings, images: images, objects: objects)
        audit = SQLAuditRepository(database: database)
        support = SQLSupportRepository(database: database, clock: clock)
        sessions = SQLSessionStore(database: database, clock: clock)
        self.sessionKeys = sessionKeys
        loginLimiter = RateLimiter()
        imageData = ImageDataService(images: images, files: files, settings: settings)
    }

    /// The storage settings a configuration asks for.
    package static func settings(for configuration: AppConfiguration) -> StorageSettings {
        StorageSettings(
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

    /// In-memory database, a fresh temporary data directory, a fixed clock.
    package static func testing(
        settings: StorageSettings = StorageSettings(), now: Date = Date(timeIntervalSince1970: 1_767_225_600)
    ) throws -> AppDependencies {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("portal-test-\(UUID().uuidString)").path
        let files = DataDirectory(root: root)
        try files.createDirectories()
        return AppDependencies(
            database: try AppDatabase.inMemory(), files: files, clock: PortalClock { now }, settings: settings, sessionKeys: try SessionKeys.ephemeral())
    }
}
