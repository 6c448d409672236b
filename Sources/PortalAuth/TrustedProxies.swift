import Foundation
package import Hummingbird

/// The operator's load balancers and reverse proxies (`--trusted-proxy`), whose `X-Forwarded-For`
/// names the real client. Behind nginx every request arrives from nginx's address: without this,
/// sign-in rate limits and the audit trail would count every client as one.
package struct TrustedProxies: Sendable, Equatable {
    /// One address or network (`10.0.0.0/8`, `fd00::/8`) as bytes and a prefix length.
    struct Network: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var bits = prefix
            for (a, b) in zip(address, bytes) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    let networks: [Network]

    /// No proxy is trusted: the peer is the client.
    package static let none = TrustedProxies(networks: [])

    init(networks: [Network]) { self.networks = networks }

    /// Parses `ADDRESS` or `ADDRESS/PREFIX` entries (IPv4 or IPv6); fails on the first that is neither.
    package static func parse(_ entries: [String]) -> Result<TrustedProxies, InvalidProxy> {
        var networks: [Network] = []
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let bytes = Self.bytes(parts[0]) else { return .failure(InvalidProxy(entry: entry)) }
            let prefix: Int
            if parts.count == 2 {
                guard let value = Int(parts[1]), (0...bytes.count * 8).contains(value) else { return .failure(InvalidProxy(entry: entry)) }
                prefix = value
            } else {
                prefix = bytes.count * 8
            }
            networks.append(Network(bytes: bytes, prefix: prefix))
        }
        return .success(TrustedProxies(networks: networks))
    }

    /// A `--trusted-proxy` entry that is not an address or a network.
    package struct InvalidProxy: Error, Equatable {
        package var entry: String
        package init(entry: String) { self.entry = entry }
        package var description: String {
            "--trusted-proxy '\(entry.prefix(64))' is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)."
        }
    }

    package func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer, unless the peer is a trusted proxy; then the nearest address in
    /// `X-Forwarded-For` (read right to left, as each proxy appends the address it saw) that is not a
    /// trusted proxy. A client can write anything to the left of what the proxies append, so nothing
    /// left of the first untrusted address counts; an entry that is not an IP address stops the walk
    /// at the last address known good.
    package func client(peer: String?, forwardedFor headers: [String]) -> String? {
        guard let peer, trusts(peer) else { return peer }
        let hops = headers.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var client = peer
        for hop in hops.reversed() {
            guard Self.bytes(hop) != nil else { break }
            client = hop
            if !trusts(hop) { break }
        }
        return client
    }

    /// The address's bytes (4 or 16), or nil when it is not a literal IPv4 or IPv6 address.
    static func bytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// Puts the client's address, as `TrustedProxies` reads it, into the request context: the first
/// middleware, so that the access log, the rate limits and the audit trail all see the same client.
package struct ClientAddressMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext
    let proxies: TrustedProxies

    package init(proxies: TrustedProxies) { self.proxies = proxies }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.remoteAddress.map(proxies.trusts) == true else { return try await next(request, context) }
        var context = context
        context.remoteAddress = proxies.client(peer: context.remoteAddress, forwardedFor: request.headers[values: .xForwardedFor])
        return try await next(request, context)
    }
}
