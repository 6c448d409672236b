package import Foundation
package import PortalAuth
package import PortalStorage

/// Everything the portal's controllers call: the same repositories the API uses.
package struct WebServices: Sendable {
    package var accounts: SQLAccountRepository
    package var images: any ImageRepository
    package var imageData: ImageDataService
    package var objects: any ObjectRepository
    package var compute: any ComputeRepository
    package var tasks: any TaskRepository
    package var audit: any AuditRepository
    package var support: any SupportRepository
    package var sessions: any SessionStore
    package var files: DataDirectory
    package var clock: PortalClock
    package var settings: StorageSettings
    package var codec: SessionCodec
    package var loginLimiter: RateLimiter
    /// Session lifetime.
    package var sessionLifetime: TimeInterval
    /// Mark cookies Secure.
    package var secureCookies: Bool
    /// Newly issued tokens waiting to be shown once.
    package var issuedTokens: OneTimeSecrets

    package init(
        accounts: SQLAccountRepository, images: any ImageRepository, imageData: ImageDataService, objects: any ObjectRepository,
        compute: any ComputeRepository, tasks: any TaskRepository, audit: any AuditRepository, support: any SupportRepository,
        sessions: any SessionStore, files: DataDirectory, clock: PortalClock, settings: StorageSettings, codec: SessionCodec,
        loginLimiter: RateLimiter, sessionLifetime: TimeInterval, secureCookies: Bool, issuedTokens: OneTimeSecrets = OneTimeSecrets()
    ) {
        self.accounts = accounts
        self.images = images
        self.imageData = imageData
        self.objects = objects
        self.compute = compute
        self.tasks = tasks
        self.audit = audit
        self.support = support
        self.sessions = sessions
        self.files = files
        self.clock = clock
        self.settings = settings
        self.codec = codec
        self.loginLimiter = loginLimiter
        self.sessionLifetime = sessionLifetime
        self.secureCookies = secureCookies
        self.issuedTokens = issuedTokens
    }
}
