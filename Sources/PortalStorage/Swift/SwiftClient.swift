import AsyncHTTPClient
package import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// How to reach an OpenStack Swift cluster, as PRODUCT.md's "Scale-out" says.
package struct SwiftConfiguration: Hashable, Sendable {
    /// Swift's v1 auth URL (`…/auth/v1.0`).
    package var authURL: URL
    /// A reseller admin (tempauth's `.reseller_admin`): its own account holds the service's data, and it
    /// manages the tenants' accounts.
    package var user: String
    package var key: String
    /// The prefix of the tenants' accounts: tenant 1001's files are account `AUTH_1001`.
    package var resellerPrefix: String
    /// Bytes beyond this are written as Static Large Objects of segments this size (at most 5 GiB).
    package var segmentSize: Int64
    /// The prefix of the service's own containers.
    package var containerPrefix: String

    package init(authURL: URL, user: String, key: String, resellerPrefix: String, segmentSize: Int64, containerPrefix: String) {
        self.authURL = authURL
        self.user = user
        self.key = key
        self.resellerPrefix = resellerPrefix
        self.segmentSize = segmentSize
        self.containerPrefix = containerPrefix
    }
}

/// A Swift request that failed, with what Swift answered.
struct SwiftError: Error, CustomStringConvertible {
    var status: HTTPResponseStatus
    var what: String
    var description: String { "Swift answered \(status.code) to \(what)" }
}

/// Talks to a Swift proxy over HTTP (AsyncHTTPClient, streaming both ways): v1 auth as the reseller
/// admin, its token cached and renewed when Swift says it expired, accounts addressed under the proxy's
/// `/v1/` root.
final class SwiftClient: Sendable {
    let configuration: SwiftConfiguration
    let http: HTTPClient
    let logger: Logger
    private let session = Mutex<(token: String, storageURL: String)?>(nil)
    private let knownAccounts = Mutex<Set<String>>([])

    init(configuration: SwiftConfiguration, http: HTTPClient = .shared, logger: Logger = Logger(label: "portal.swift")) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    /// The service's own account (the reseller admin's storage URL) and the proxy's `/v1` root.
    func serviceAccount() async throws -> (url: String, root: String) {
        let current = try await authenticated()
        guard let range = current.storageURL.range(of: "/v1/") else {
            throw SwiftError(status: .badGateway, what: "auth (storage URL \(current.storageURL) has no /v1/)")
        }
        return (current.storageURL, String(current.storageURL[..<range.upperBound]))
    }

    /// The URL of a tenant's account (created on first use by the reseller admin, never deleted).
    func tenantAccount(_ tenant: String) async throws -> String {
        let account = configuration.resellerPrefix + tenant
        let url = try await serviceAccount().root + Self.escape(account)
        if knownAccounts.withLock({ $0.contains(account) }) { return url }
        let response = try await send(.HEAD, url)
        if response.status == .notFound {
            let created = try await send(.PUT, url)
            guard created.status.code / 100 == 2 else { throw SwiftError(status: created.status, what: "creating account \(account)") }
        } else if response.status.code / 100 != 2 {
            throw SwiftError(status: response.status, what: "HEAD of account \(account)")
        }
        knownAccounts.withLock { _ = $0.insert(account) }
        return url
    }

    private func authenticated() async throws -> (token: String, storageURL: String) {
        if let current = session.withLock({ $0 }) { return current }
        var request = HTTPClientRequest(url: configuration.authURL.absoluteString)
        request.headers.add(name: "X-Auth-User", value: configuration.user)
        request.headers.add(name: "X-Auth-Key", value: configuration.key)
        let response = try await http.execute(request, timeout: .seconds(30), logger: logger)
        _ = try await response.body.collect(upTo: 64 * 1024)
        guard response.status.code / 100 == 2, let token = response.headers.first(name: "X-Auth-Token"),
            let storage = response.headers.first(name: "X-Storage-Url")
        else { throw SwiftError(status: response.status, what: "auth as \(configuration.user)") }
        session.withLock { $0 = (token, storage) }
        return (token, storage)
    }

    /// Sends a request with the service's token (renewed once if Swift says it expired). The response
    /// body is the caller's to read or drop.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: HTTPClientRequest.Body? = nil, timeout: TimeAmount = .hours(24),
        retryOnExpiry: Bool = true
    ) async throws -> HTTPClientResponse {
        let token = try await authenticated().token
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "X-Auth-Token", value: token)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = body
        let response = try await http.execute(request, timeout: timeout, logger: logger)
        if response.status == .unauthorized, retryOnExpiry, body == nil {
            _ = try? await response.body.collect(upTo: 64 * 1024)
            session.withLock { $0 = nil }
            return try await send(method, url, headers: headers, body: nil, timeout: timeout, retryOnExpiry: false)
        }
        return response
    }

    /// Sends a request and reads its (small) body; throws unless Swift answers one of `expected`.
    @discardableResult
    func call(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: ByteBuffer? = nil, expected: Set<UInt> = [200, 201, 202, 204],
        what: String
    ) async throws -> (status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        let response = try await send(method, url, headers: headers, body: body.map { .bytes($0) }, timeout: .minutes(5))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard expected.contains(response.status.code) else { throw SwiftError(status: response.status, what: what) }
        return (response.status, response.headers, bytes)
    }

    /// Percent-encodes one path segment (container names; object names keep their slashes).
    static func escape(_ text: String, keepingSlashes: Bool = false) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%;")
        if !keepingSlashes { allowed.remove("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `<account>/<container>/<object>`, each part escaped.
    static func objectURL(_ account: String, _ container: String, _ object: String) -> String {
        "\(account)/\(escape(container))/\(escape(object, keepingSlashes: true))"
    }
}
