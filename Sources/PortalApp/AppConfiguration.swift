package import Foundation
package import PortalAuth

/// Everything an operator can set, from flags or `PORTAL_*` environment variables.
package struct AppConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    package var dataDirectory = "./data"
    /// Where `templates/` and `Public/` live.
    package var resourcesDirectory = "."
    /// Public base URL for absolute links (versions document), e.g. behind a proxy.
    package var publicBaseURL: String?
    /// Mark session cookies `Secure` (serve behind HTTPS).
    package var secureCookies = false
    /// Seed 004's rule: members that rejected a share lose access to it.
    package var rejectedMembersLoseAccess = false
    /// Support staff may download image data.
    package var supportMayDownload = false
    /// Most members per image.
    package var memberQuota = 128
    /// Largest upload in bytes (Glance's image_size_cap: 1 TiB).
    package var uploadSizeCap: Int64 = 1 << 40
    /// How long a browser session lasts.
    package var sessionLifetime: TimeInterval = 12 * 3600
    /// Where the metadata lives: `sqlite:PATH` (the default: `portal.sqlite` in the data directory)
    /// or `postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=disable|prefer|require]`.
    package var database: String?
    /// Where image data, server disks and file containers live: `files` (the data directory) or `swift`.
    package var objectStore = "files"
    /// OpenStack Swift, for `objectStore == "swift"`.
    package var swift = SwiftOptions()
    /// Load balancers whose `X-Forwarded-For` names the client (addresses or networks).
    package var trustedProxies: [String] = []

    package init() {}

    /// How to reach a Swift cluster: v1 auth as a reseller admin whose own account holds the service's data.
    package struct SwiftOptions: Sendable {
        /// The `/auth/v1.0` URL.
        package var authURL: String?
        package var user: String?
        package var key: String?
        /// The reseller prefix of the tenants' accounts (`AUTH_<ddi>`).
        package var resellerPrefix = "AUTH_"
        /// Objects larger than this are written as Static Large Objects (at most Swift's 5 GiB).
        package var segmentSize: Int64 = 1 << 30
        /// The prefix of the service's own containers (`<prefix>-images`, `-disks`, `-segments`).
        package var containerPrefix = "portal"

        package init() {}
    }

    /// The trusted proxies, parsed; a bad entry is a `ConfigurationError`.
    package func proxies() throws(ConfigurationError) -> TrustedProxies {
        switch TrustedProxies.parse(trustedProxies) {
        case .success(let proxies): return proxies
        case .failure(let invalid): throw ConfigurationError(invalid.description)
        }
    }

    /// Whether the metadata lives in PostgreSQL (several instances may share it).
    package var usesPostgres: Bool { database.map { $0.hasPrefix("postgres://") || $0.hasPrefix("postgresql://") } ?? false }

    /// Reads the `PORTAL_*` environment variables over the defaults.
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> AppConfiguration {
        var configuration = AppConfiguration()
        if let value = environment["PORTAL_HOST"] { configuration.host = value }
        if let value = environment["PORTAL_PORT"].flatMap(Int.init) { configuration.port = value }
        if let value = environment["PORTAL_DATA_DIR"] { configuration.dataDirectory = value }
        if let value = environment["PORTAL_RESOURCES_DIR"] { configuration.resourcesDirectory = value }
        if let value = environment["PORTAL_PUBLIC_URL"], !value.isEmpty { configuration.publicBaseURL = value }
        if let value = environment["PORTAL_SECURE_COOKIES"] { configuration.secureCookies = flag(value) }
        if let value = environment["PORTAL_REJECTED_MEMBERS_LOSE_ACCESS"] { configuration.rejectedMembersLoseAccess = flag(value) }
        if let value = environment["PORTAL_SUPPORT_CAN_DOWNLOAD"] { configuration.supportMayDownload = flag(value) }
        if let value = environment["PORTAL_MEMBER_QUOTA"].flatMap(Int.init) { configuration.memberQuota = value }
        if let value = environment["PORTAL_UPLOAD_SIZE_CAP"].flatMap(Int64.init) { configuration.uploadSizeCap = value }
        if let value = environment["PORTAL_SESSION_HOURS"].flatMap(Double.init) { configuration.sessionLifetime = value * 3600 }
        if let value = environment["PORTAL_DATABASE_URL"], !value.isEmpty { configuration.database = value }
        if let value = environment["PORTAL_OBJECT_STORE"], !value.isEmpty { configuration.objectStore = value }
        if let value = environment["PORTAL_SWIFT_AUTH_URL"], !value.isEmpty { configuration.swift.authURL = value }
        if let value = environment["PORTAL_SWIFT_USER"], !value.isEmpty { configuration.swift.user = value }
        if let value = environment["PORTAL_SWIFT_KEY"], !value.isEmpty { configuration.swift.key = value }
        if let value = environment["PORTAL_SWIFT_RESELLER_PREFIX"], !value.isEmpty { configuration.swift.resellerPrefix = value }
        if let value = environment["PORTAL_SWIFT_SEGMENT_SIZE"].flatMap(Int64.init) { configuration.swift.segmentSize = value }
        if let value = environment["PORTAL_SWIFT_CONTAINER_PREFIX"], !value.isEmpty { configuration.swift.containerPrefix = value }
        if let value = environment["PORTAL_TRUSTED_PROXIES"] {
            configuration.trustedProxies = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return configuration
    }

    private static func flag(_ text: String) -> Bool {
        ["1", "true", "yes", "on"].contains(text.lowercased())
    }
}
