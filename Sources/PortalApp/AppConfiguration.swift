package import Foundation

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

    package init() {}

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
        return configuration
    }

    private static func flag(_ text: String) -> Bool {
        ["1", "true", "yes", "on"].contains(text.lowercased())
    }
}
