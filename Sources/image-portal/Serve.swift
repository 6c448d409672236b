import ArgumentParser
import Foundation
import Logging
import PortalApp

/// `image-portal serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the portal and the API.")

    @Option(help: "Address to listen on (env PORTAL_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (env PORTAL_PORT; default 8080).") var port: Int?
    @OptionGroup var data: DataOptions
    @Option(name: .customLong("resources-dir"), help: "Where templates/ and Public/ are (env PORTAL_RESOURCES_DIR; default .).")
    var resourcesDirectory: String?
    @Option(name: .customLong("public-url"), help: "Public base URL for absolute links, e.g. behind a proxy (env PORTAL_PUBLIC_URL).")
    var publicURL: String?
    @Flag(name: .customLong("secure-cookies"), help: "Mark session cookies Secure (env PORTAL_SECURE_COOKIES).")
    var secureCookies = false
    @Flag(name: .customLong("rejected-members-lose-access"), help: "Members that rejected a share lose access to it (Rackspace's reading; env PORTAL_REJECTED_MEMBERS_LOSE_ACCESS).")
    var rejectedMembersLoseAccess = false
    @Flag(name: .customLong("support-can-download"), help: "Support staff may download image data (env PORTAL_SUPPORT_CAN_DOWNLOAD).")
    var supportCanDownload = false
    @Option(name: .customLong("member-quota"), help: "Most members per image (env PORTAL_MEMBER_QUOTA; default 128).")
    var memberQuota: Int?
    @Option(name: .customLong("upload-size-cap"), help: "Largest upload in bytes (env PORTAL_UPLOAD_SIZE_CAP; default 1 TiB).")
    var uploadSizeCap: Int64?
    @Option(
        name: .customLong("trusted-proxy"),
        help: "A load balancer (address or network) whose X-Forwarded-For names the client; repeatable (env PORTAL_TRUSTED_PROXIES, comma-separated).")
    var trustedProxies: [String] = []

    func run() async throws {
        var configuration = data.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let resourcesDirectory { configuration.resourcesDirectory = resourcesDirectory }
        if let publicURL { configuration.publicBaseURL = publicURL }
        if secureCookies { configuration.secureCookies = true }
        if rejectedMembersLoseAccess { configuration.rejectedMembersLoseAccess = true }
        if supportCanDownload { configuration.supportMayDownload = true }
        if let memberQuota { configuration.memberQuota = memberQuota }
        if let uploadSizeCap { configuration.uploadSizeCap = uploadSizeCap }
        if !trustedProxies.isEmpty { configuration.trustedProxies = trustedProxies }
        guard (1...65535).contains(configuration.port) else { throw CommandFailure(message: "--port must be 1 to 65535.") }
        guard configuration.memberQuota > 0 else { throw CommandFailure(message: "--member-quota must be positive.") }
        do { _ = try configuration.proxies() } catch { throw CommandFailure(message: error.description) }

        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "image-portal")
        let dependencies: AppDependencies
        do {
            dependencies = try await AppDependencies.live(configuration)
        } catch let error as ConfigurationError {
            throw CommandFailure(message: error.description)
        }
        defer { dependencies.close() }
        let firstStart = try await Bootstrap.prepare(dependencies)
        let banner = Bootstrap.banner(configuration: configuration, firstStart: firstStart)
        try await runServer(configuration: configuration, dependencies: dependencies, logger: logger) {
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
    }
}
