import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PortalApp
import PortalDomain
@testable import PortalWeb
import Testing
import TestSupport

/// Behind a load balancer every request comes from its address: the sign-in limits and the audit
/// trail must count the clients it names in `X-Forwarded-For`, and only when the operator trusts it.
@Suite("Client addresses behind a proxy")
struct ClientAddressTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// Five failed sign-ins, each against another account, from `client` as the proxy names it.
    static func failFiveTimes(_ browser: inout Browser, world: TestWorld, as client: String) async throws {
        browser.extraHeaders[forwardedFor] = client
        for index in 3...7 {
            let tenant = try await world.tenant("900\(index)")
            let page = try await browser.get(Paths.login)
            let nonce = try #require(HTML.hiddenValue("_csrf", in: page.text))
            let failure = try await browser.post(Paths.login, form: [("_csrf", nonce), ("kind", "tenant"), ("ddi", tenant.rawValue), ("token", "wrong")])
            #expect(failure.status == .unauthorized)
        }
    }

    @Test func behindATrustedProxy_theForwardedClientIsLimited_andOthersStillSignIn() async throws {
        // Given a server that trusts the proxy on loopback (the live test client's address)
        var setup = try await PortalCast()
        setup.world.configuration.trustedProxies = ["127.0.0.1", "::1"]
        let cast = setup, world = setup.world
        try await world.application().test(.live) { client in
            var browser = Browser(client)
            // When one client fails five times through the proxy
            try await Self.failFiveTimes(&browser, world: world, as: "203.0.113.7")
            // Then that client is blocked even with the right token
            #expect(try await browser.signIn(cast.owner).status == .tooManyRequests)
            // But another client behind the same proxy signs in
            var other = Browser(client)
            other.extraHeaders[Self.forwardedFor] = "198.51.100.1, 203.0.113.8"
            #expect(try await other.signIn(cast.owner).status == .seeOther)
            // And the audit trail names the client, not the proxy
            let failures = try await world.auditEvents(type: .loginFailed)
            #expect(failures.count == 5)
            #expect(failures.allSatisfy { $0.actor == "anonymous (203.0.113.7)" })
        }
    }

    @Test func withoutATrustedProxy_aForgedHeaderChangesNothing() async throws {
        // Given a server that trusts no proxy
        let cast = try await PortalCast()
        let world = cast.world
        try await world.application().test(.live) { client in
            var browser = Browser(client)
            // When a client fails five times, claiming to be someone else
            try await Self.failFiveTimes(&browser, world: world, as: "203.0.113.7")
            // Then a new claimed address does not lift the block: the peer's address counts
            browser.extraHeaders[Self.forwardedFor] = "198.51.100.99"
            #expect(try await browser.signIn(cast.owner).status == .tooManyRequests)
            let failures = try await world.auditEvents(type: .loginFailed)
            #expect(failures.allSatisfy { !$0.actor.contains("203.0.113.7") })
        }
    }
}
