import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCrypto
import PortalCore
import PortalDomain
import PortalStorage
@testable import PortalWeb
import Testing
import TestSupport

/// Two tenants and their tokens in a fresh world: 1001 "Alpha" owns, 2002 "Bravo" consumes.
struct PortalCast {
    var world: TestWorld
    let owner: Credential
    let member: Credential

    init() async throws {
        world = try await TestWorld()
        owner = try await world.token(try await world.tenant("1001", name: "Alpha"))
        member = try await world.token(try await world.tenant("2002", name: "Bravo"))
    }

    var useCases: UseCases { world.useCases }

    /// Shares `image` with the member as the owner.
    func share(_ image: Image, with credential: Credential? = nil) async throws {
        let target = try #require((credential ?? member).tenant)
        _ = try await useCases.sharing.addMember(target.rawValue, to: image.id, by: owner.actor)
    }
}

/// The security headers every response carries.
func expectSecurityHeaders(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
    let csp = response.headers[.contentSecurityPolicy] ?? ""
    #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "CSP: \(csp)", sourceLocation: sourceLocation)
    #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "CSP: \(csp)", sourceLocation: sourceLocation)
    #expect(response.headers[.literal("X-Frame-Options")] == "DENY", sourceLocation: sourceLocation)
    #expect(response.headers[.literal("X-Content-Type-Options")] == "nosniff", sourceLocation: sourceLocation)
    #expect(response.headers[.literal("Referrer-Policy")] == "same-origin", sourceLocation: sourceLocation)
}

/// An error page: the status in the heading, and the response's request ID shown.
func expectErrorPage(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == status, "\(response.status): \(HTML.text(of: response.text).prefix(300))", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, sourceLocation: sourceLocation)
    #expect(HTML.heading(in: response.text) == "\(status.code) \(status.reasonPhrase)", sourceLocation: sourceLocation)
    let requestID = response.headers[.xOpenstackRequestID] ?? "missing"
    #expect(response.text.contains("<code>\(requestID)</code>"), "request ID \(requestID) not on the page", sourceLocation: sourceLocation)
}

// MARK: - Sign-in

@Suite("Sign-in over HTTP")
struct SignInHTTPTests {
    @Test func signIn_withTenantToken_redirectsHomeWithHttpOnlyLaxSessionCookie() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            // Given the sign-in page, which sets its CSRF cookie and field
            let page = try await browser.get(Paths.login)
            #expect(page.status == .ok)
            expectSecurityHeaders(page)
            let loginCookie = try #require(page.setCookie("portal_login"))
            #expect(loginCookie.attributes["httponly"] != nil && loginCookie.attributes["samesite"] == "Strict")
            let nonce = try #require(HTML.hiddenValue("_csrf", in: page.text))
            // When the tenant signs in with its token
            let response = try await browser.post(Paths.login, form: [("_csrf", nonce)] + Browser.accountFields(cast.owner))
            // Then it lands on the dashboard with an HttpOnly, SameSite=Lax, Path=/ session cookie
            #expect(response.status == .seeOther)
            #expect(response.location == "/")
            let session = try #require(response.setCookie(SessionCodec.cookieName))
            #expect(session.attributes["httponly"] == "")
            #expect(session.attributes["samesite"] == "Lax")
            #expect(session.attributes["path"] == "/")
            #expect(session.attributes["secure"] == nil, "Secure only behind --secure-cookies")
            let payload = try #require(cast.world.payload(of: session.value))
            #expect(payload.act == "t:1001" && payload.acc == [["t:1001", cast.owner.tokenID.rawValue]])
            #expect(!session.value.contains(cast.owner.secret), "the cookie carries token IDs, never tokens")
            #expect(response.setCookie("portal_login")?.deletes == true)
            // And the dashboard answers as that tenant, and the sign-in is audited
            let home = try await browser.get("/")
            #expect(home.status == .ok)
            #expect(home.text.contains("data-account=\"t:1001\">1001 · Alpha</span>"))
            let events = try await cast.world.auditEvents(type: .loginSucceeded)
            #expect(events.map(\.tokenID) == [cast.owner.tokenID])
        }
    }

    @Test func signIn_withWrongToken_answers401PageAndAuditsLoginFailed() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            // When the tenant ID is right but the token is another tenant's
            let response = try await browser.signIn(cast.owner, token: cast.member.secret)
            // Then the sign-in page comes back as a 401 with the reason, and no session
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("That tenant ID and token do not match an active token."))
            #expect(response.text.contains("value=\"1001\""), "the tenant ID is kept")
            #expect(response.setCookie(SessionCodec.cookieName) == nil)
            #expect(browser.sessionCookie == nil)
            // And a login.failed event names the tenant tried, without an actor token
            let failed = try await cast.world.auditEvents(type: .loginFailed)
            #expect(failed.count == 1)
            #expect(failed.first?.otherTenant?.rawValue == "1001")
            #expect(failed.first?.tokenID == nil)
            #expect(failed.first?.detail?.contains("tenant 1001") == true)
            #expect(failed.first?.actor.hasPrefix("anonymous") == true)
        }
    }

    @Test func signIn_withoutTheLoginCSRFCookie_answers403() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            // When a form is posted without first loading the sign-in page
            let response = try await browser.post(Paths.login, form: [("_csrf", "forged")] + Browser.accountFields(cast.owner))
            // Then it is refused, and the token was not even tried
            expectErrorPage(response, .forbidden)
            #expect(try await cast.world.auditEvents(type: .loginSucceeded).isEmpty)
        }
    }

    @Test func signIn_afterFiveFailuresFromOneAddress_answers429EvenWithTheRightToken() async throws {
        let cast = try await PortalCast()
        let others = try await (3...7).asyncMap { try await cast.world.tenant("900\($0)") }
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            // Given five failed sign-ins from this address, each against a different account
            for tenant in others {
                let page = try await browser.get(Paths.login)
                let nonce = try #require(HTML.hiddenValue("_csrf", in: page.text))
                let failure = try await browser.post(
                    Paths.login, form: [("_csrf", nonce), ("kind", "tenant"), ("ddi", tenant.rawValue), ("token", "wrong")])
                #expect(failure.status == .unauthorized)
            }
            // When the right token is tried from the same address
            let response = try await browser.signIn(cast.owner)
            // Then the address is blocked: a 429 page, no session
            #expect(response.status == .tooManyRequests)
            #expect(response.text.contains("Too many failed sign-ins"))
            #expect(browser.sessionCookie == nil)
        }
    }

    @Test func check_fiveFailuresForOneAccount_blockItFromEveryAddressButNotOtherAccounts() async throws {
        // Given the sign-in check with distinct client addresses (the router tests have none)
        let cast = try await PortalCast()
        let signIn = cast.useCases.signIn
        func attempt(_ credential: Credential, token: String? = nil, from address: String, request: String) throws -> SignInAttempt {
            SignInAttempt(
                kind: .tenant, ddi: try #require(credential.tenant).rawValue, staff: "", token: token ?? credential.secret, remoteAddress: address,
                requestID: request)
        }
        // When tenant 1001 fails five times, from five addresses
        for index in 1...5 {
            let error = await #expect(throws: DomainError.self) {
                try await signIn.check(try attempt(cast.owner, token: "wrong", from: "10.0.0.\(index)", request: "req-\(index)"))
            }
            #expect(error?.status == .unauthorized)
        }
        // Then even the right token from a fresh address is refused with 429
        let blocked = await #expect(throws: DomainError.self) {
            try await signIn.check(try attempt(cast.owner, from: "10.9.9.9", request: "req-6"))
        }
        #expect(blocked?.status == .tooManyRequests)
        // And another account from that address still signs in
        let other = try await signIn.check(try attempt(cast.member, from: "10.9.9.9", request: "req-7"))
        #expect(other.held == HeldAccount(key: "t:2002", tokenID: cast.member.tokenID))
    }

    @Test(arguments: [(StaffRole.admin, "/admin"), (StaffRole.support, "/support")])
    func signIn_asStaff_landsOnTheStaffHome(role: StaffRole, home: String) async throws {
        let world = try await TestWorld()
        let staff = try await world.staff("sam", role: role)
        try await world.application().test(.router) { client in
            var browser = Browser(client)
            let response = try await browser.signIn(staff)
            #expect(response.status == .seeOther)
            #expect(response.location == home)
            #expect(world.payload(of: browser.sessionCookie)?.act == "s:sam")
            let page = try await browser.follow(response)
            #expect(page.status == .ok)
            // The dashboard is for tenants: staff are sent home
            let dashboard = try await browser.get("/")
            #expect(dashboard.status == .seeOther && dashboard.location == home)
        }
    }

    @Test func signIn_withNextPath_followsOnlyLocalPaths() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            // Given a signed-out visit to a page
            let bounced = try await browser.get("/images?tab=shared")
            #expect(bounced.status == .seeOther)
            #expect(bounced.location == "/login?next=%2Fimages%3Ftab%3Dshared")
            // When the sign-in form carries next (local, then an open redirect)
            let page = try await browser.get(try #require(bounced.location))
            let nonce = try #require(HTML.hiddenValue("_csrf", in: page.text))
            #expect(HTML.hiddenValue("next", in: page.text) == "/images?tab=shared")
            let local = try await browser.post(Paths.login, form: [("_csrf", nonce), ("next", "/images?tab=shared")] + Browser.accountFields(cast.owner))
            #expect(local.location == "/images?tab=shared")
            var other = Browser(client)
            let again = try await other.get(Paths.login)
            let second = try #require(HTML.hiddenValue("_csrf", in: again.text))
            let open = try await other.post(Paths.login, form: [("_csrf", second), ("next", "//evil.example/")] + Browser.accountFields(cast.owner))
            #expect(open.location == "/")
        }
    }
}

extension SignInHTTPTests {
    @Test func signIn_withSecureCookiesConfigured_marksCookiesSecure_andMaxAgeIsTheSessionLifetime() async throws {
        // Given the portal configured with --secure-cookies and one-hour sessions
        let cast = try await PortalCast()
        var configuration = cast.world.configuration
        configuration.secureCookies = true
        configuration.sessionLifetime = 3600
        let router = try await buildRouter(configuration: configuration, dependencies: cast.world.dependencies)
        try await Application(router: router).test(.router) { client in
            var browser = Browser(client)
            // When the tenant signs in
            let page = try await browser.get(Paths.login)
            #expect(page.setCookie("portal_login")?.attributes["secure"] == "")
            let response = try await browser.signIn(cast.owner)
            // Then the session cookie is Secure, lives one hour, and its payload expires with it
            let session = try #require(response.setCookie(SessionCodec.cookieName))
            #expect(session.attributes["secure"] == "")
            #expect(session.attributes["max-age"] == "3600")
            let payload = try #require(cast.world.payload(of: session.value))
            #expect(payload.exp - payload.iat == 3600)
            #expect(payload.iat == Int64(cast.world.now.timeIntervalSince1970))
        }
    }

    /// Browsers drop tabs (and line breaks) from URLs (WHATWG URL parsing), so `/<TAB>/host` becomes
    /// `//host`: another site. A `next` or `return` path with one must not be followed.
    @Test func signIn_withNextThatBrowsersReadAsAnotherHost_goesHome() async throws {
        let next = "/\t/evil.example/"
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            let page = try await browser.get(Paths.login)
            let nonce = try #require(HTML.hiddenValue("_csrf", in: page.text))
            let response = try await browser.post(Paths.login, form: [("_csrf", nonce), ("next", next)] + Browser.accountFields(cast.owner))
            #expect(response.status == .seeOther)
            #expect(response.location == "/", "followed \(next.debugDescription) to \(response.location.debugDescription)")
        }
    }

    @Test func answer_withReturnThatBrowsersReadAsAnotherHost_goesToTheImage() async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "offered")
        try await cast.share(image)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.member)
            let response = try await browser.submit("/images/\(image.id)/status", [("status", "accepted"), ("return", "/\t/evil.example/")])
            #expect(response.status == .seeOther)
            #expect(response.location == "/images/\(image.id)", "followed to \(response.location.debugDescription)")
        }
    }
}

// MARK: - The session cookie

@Suite("Session cookie codec")
struct SessionCodecTests {
    static let oldKey = [UInt8](repeating: 1, count: 32)
    static let newKey = [UInt8](repeating: 2, count: 32)
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    static func payload(expiresIn seconds: TimeInterval = 3600) throws -> SessionPayload {
        let account = HeldAccount(key: "t:1001", tokenID: try #require(TokenID(rawValue: "tok_00000000000000ab")))
        return SessionPayload(
            sid: "sid-1", iat: Int64(now.timeIntervalSince1970), exp: Int64(now.addingTimeInterval(seconds).timeIntervalSince1970),
            accounts: AccountSet(first: account))
    }

    @Test func decode_cookieSignedWithAnOlderKey_verifiesWhileThatKeyIsListed() throws {
        // Given a cookie signed before the keys rotated
        let before = SessionCodec(keys: SessionKeys(keys: [Self.oldKey]))
        let cookie = before.encode(try Self.payload())
        // When the keys are [old, new]
        let rotated = SessionCodec(keys: SessionKeys(keys: [Self.oldKey, Self.newKey]))
        // Then the old cookie still verifies, and new cookies are signed with the new key
        #expect(rotated.decode(cookie, now: Self.now) == (try Self.payload()))
        let fresh = rotated.encode(try Self.payload())
        #expect(fresh != cookie)
        #expect(SessionCodec(keys: SessionKeys(keys: [Self.newKey])).decode(fresh, now: Self.now) != nil)
        // And once the old key is dropped, the old cookie is refused
        #expect(SessionCodec(keys: SessionKeys(keys: [Self.newKey])).decode(cookie, now: Self.now) == nil)
    }

    @Test func decode_expiredPayload_isRefused() throws {
        let codec = SessionCodec(keys: SessionKeys(keys: [Self.newKey]))
        let cookie = codec.encode(try Self.payload(expiresIn: 60))
        #expect(codec.decode(cookie, now: Self.now.addingTimeInterval(59)) != nil)
        #expect(codec.decode(cookie, now: Self.now.addingTimeInterval(60)) == nil)
        #expect(codec.decode(cookie, now: Self.now.addingTimeInterval(86_400)) == nil)
    }

    @Test func decode_tamperedSignatureOrPayload_isRefused() throws {
        let codec = SessionCodec(keys: SessionKeys(keys: [Self.newKey]))
        let cookie = codec.encode(try Self.payload())
        let dot = try #require(cookie.lastIndex(of: "."))
        #expect(codec.decode(flipCharacter(of: cookie, at: cookie.index(after: dot)), now: Self.now) == nil)
        #expect(codec.decode(flipCharacter(of: cookie, at: cookie.startIndex), now: Self.now) == nil)
        #expect(codec.decode(String(cookie[..<dot]), now: Self.now) == nil)
        #expect(codec.decode("", now: Self.now) == nil)
        // A payload re-signed by another key set is not ours
        #expect(codec.decode(SessionCodec(keys: SessionKeys(keys: [Self.oldKey])).encode(try Self.payload()), now: Self.now) == nil)
    }

    @Test func verifyCSRF_acceptsOnlyThisSessionsToken_underAnyListedKey() {
        let before = SessionCodec(keys: SessionKeys(keys: [Self.oldKey]))
        let rotated = SessionCodec(keys: SessionKeys(keys: [Self.oldKey, Self.newKey]))
        #expect(rotated.verifyCSRF(rotated.csrfToken(sessionID: "sid-1"), sessionID: "sid-1"))
        #expect(rotated.verifyCSRF(before.csrfToken(sessionID: "sid-1"), sessionID: "sid-1"))
        #expect(!rotated.verifyCSRF(rotated.csrfToken(sessionID: "sid-2"), sessionID: "sid-1"))
        #expect(!rotated.verifyCSRF(nil, sessionID: "sid-1"))
        #expect(!rotated.verifyCSRF("", sessionID: "sid-1"))
    }
}

/// `text` with the character at `index` replaced by a different base64url character.
func flipCharacter(of text: String, at index: String.Index) -> String {
    var copy = text
    copy.replaceSubrange(index...index, with: text[index] == "A" ? "B" : "A")
    return copy
}

@Suite("Session checks over HTTP")
struct SessionHTTPTests {
    @Test func tamperedCookieSignature_redirectsToLoginAndClearsTheCookie() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // Given the session cookie with one character of its signature flipped
            let cookie = try #require(browser.sessionCookie)
            let dot = try #require(cookie.lastIndex(of: "."))
            browser.cookies[SessionCodec.cookieName] = flipCharacter(of: cookie, at: cookie.index(after: dot))
            // When a page is requested
            let response = try await browser.get("/")
            // Then the browser is sent to sign in and the cookie is cleared
            #expect(response.status == .seeOther)
            #expect(response.location == Paths.login)
            #expect(response.setCookie(SessionCodec.cookieName)?.deletes == true)
        }
    }

    @Test func cookieWithAnotherAccountInItsPayload_isRefused() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // Given the payload edited to claim tenant 2002, signature kept
            let cookie = try #require(browser.sessionCookie)
            let dot = try #require(cookie.lastIndex(of: "."))
            var payload = try #require(cast.world.payload(of: cookie))
            payload.set(AccountSet(first: HeldAccount(key: "t:2002", tokenID: cast.member.tokenID)))
            let forged = try #require(cast.world.codec.encode(payload).split(separator: ".").first)
            browser.cookies[SessionCodec.cookieName] = String(forged) + String(cookie[dot...])
            // Then it is refused
            let response = try await browser.get("/")
            #expect(response.status == .seeOther && response.location == Paths.login)
        }
    }

    @Test func expiredSessionCookie_redirectsToLogin() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            // Given a correctly signed cookie that expired a second ago
            let now = Int64(cast.world.now.timeIntervalSince1970)
            let payload = SessionPayload(
                sid: "sid-old", iat: now - 7200, exp: now - 1, accounts: AccountSet(first: HeldAccount(key: "t:1001", tokenID: cast.owner.tokenID)))
            browser.cookies[SessionCodec.cookieName] = cast.world.codec.encode(payload)
            // Then the page sends the browser to sign in
            let response = try await browser.get("/images")
            #expect(response.status == .seeOther)
            #expect(response.location == "/login?next=%2Fimages")
        }
    }

    @Test func revokingTheSessionsToken_signsTheBrowserOut() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            #expect(try await browser.get("/images").status == .ok)
            // When the operator revokes the token the session was opened with (image-portal tokens revoke)
            _ = try await cast.world.useCases.accounts.revokeToken(cast.owner.tokenID, by: cast.world.operatorActor)
            // Then the next request goes to the sign-in page, cookie cleared, with the reason
            let response = try await browser.get("/images")
            #expect(response.status == .seeOther)
            #expect(response.location?.hasPrefix(Paths.login) == true)
            #expect(response.setCookie(SessionCodec.cookieName)?.deletes == true)
            let login = try await browser.follow(response)
            #expect(HTML.flashes(in: login.text).contains { $0.contains("revoked or has expired") })
        }
    }

    @Test func signOutOfAll_endsTheSession_andTheOldCookieNoLongerWorks() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            let oldCookie = try #require(browser.sessionCookie)
            let sid = try #require(cast.world.payload(of: oldCookie)?.sid)
            // When the person signs out of everything
            let response = try await browser.submit(Paths.logout, [("scope", "all")])
            // Then the session is recorded as ended, the cookie cleared, and a logout audited
            #expect(response.status == .seeOther)
            #expect(response.location == Paths.login)
            #expect(response.setCookie(SessionCodec.cookieName)?.deletes == true)
            #expect(try await cast.world.useCases.sessions.isEnded(sid))
            let logouts = try await cast.world.auditEvents(type: .logout)
            #expect(logouts.map(\.tokenID) == [cast.owner.tokenID])
            // And a copy of the old cookie no longer opens pages
            browser.cookies[SessionCodec.cookieName] = oldCookie
            let replay = try await browser.get("/")
            #expect(replay.status == .seeOther && replay.location == Paths.login)
        }
    }
}

// MARK: - Pages

@Suite("Portal pages over HTTP")
struct PortalPagesHTTPTests {
    static let pages = [
        "/", "/images", "/images?tab=mine", "/images?tab=shared", "/images?tab=pending", "/images?tab=rejected", "/images?tab=public",
        "/images/{image}", "/images/{shared}", "/import", "/servers", "/servers/{server}", "/files", "/files/exports", "/tasks", "/tasks/{task}",
        "/activity", "/activity?type=member.created", "/settings", "/session/accounts", "/logout",
    ]

    @Test(arguments: pages)
    func page_forSignedInTenant_renders200WithSecurityHeaders(path: String) async throws {
        // Given a tenant with an image, a share waiting for it, a server, a container and an export task
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "mine")
        let foreign = try await cast.world.activeImage(by: cast.member, name: "offered")
        _ = try await cast.useCases.sharing.addMember("1001", to: foreign.id, by: cast.member.actor)
        _ = try await cast.world.createContainer("exports", for: try #require(cast.owner.tenant))
        let server = try await cast.world.useCases.compute.boot(name: "web-1", imageRef: image.id.rawValue, by: cast.owner.actor)
        let task = try await cast.world.useCases.tasks.create(.export, input: ["image_uuid": .string(image.id.rawValue), "receiving_swift_container": .string("exports")], by: cast.owner.actor)
        let uri = path.replacingOccurrences(of: "{image}", with: image.id.rawValue).replacingOccurrences(of: "{shared}", with: foreign.id.rawValue)
            .replacingOccurrences(of: "{server}", with: server.id.rawValue).replacingOccurrences(of: "{task}", with: task.id.rawValue)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            let csrf = try await browser.csrf()
            // When the page is requested
            let response = try await browser.get(uri)
            // Then it renders, with the security headers, landmarks, CSRF on every POST form and a label on every field
            #expect(response.status == .ok, "\(uri): \(response.status)")
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-store")
            expectSecurityHeaders(response)
            let html = response.text
            let problems =
                PageChecks.missingLandmarks(html, signedIn: true) + PageChecks.postFormsWithoutCSRF(html, expected: csrf)
                + PageChecks.unlabelledControls(html) + PageChecks.inlineScriptOrStyle(html)
            #expect(problems.isEmpty, "\(uri): \(problems)")
            #expect(html.contains("data-account=\"t:1001\">1001 · Alpha</span>"))
        }
    }

    @Test func hostileNames_areShownEscapedOnEveryPage() async throws {
        // Given a tenant, image, property, server and container named with markup
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001", name: Hostile.script))
        let image = try await world.activeImage(by: owner, name: Hostile.script, properties: ["note": Hostile.attribute])
        let server = try await world.useCases.compute.boot(name: Hostile.script, imageRef: image.id.rawValue, by: owner.actor)
        _ = try await world.createContainer(Hostile.attribute, for: try #require(owner.tenant))
        try await world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(owner)
            for page in [
                "/", "/images", "/images/\(image.id)", "/servers", "/servers/\(server.id)", "/files", Paths.container(Hostile.attribute), "/activity",
                "/settings", "/logout",
            ] {
                // When each page renders
                let response = try await browser.get(page)
                // Then the values are shown, escaped
                #expect(response.status == .ok, "\(page)")
                #expect(PageChecks.unescapedValues(response.text).isEmpty, "\(page)")
                #expect(response.text.contains(Hostile.scriptEscaped), "\(page)")
            }
        }
    }

    @Test func signInAndErrorPages_carryTheSecurityHeadersToo() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            expectSecurityHeaders(try await browser.get(Paths.login))
            try await browser.signIn(cast.owner)
            let missing = try await browser.get("/images/\(ImageID.generate())")
            expectErrorPage(missing, .notFound)
            expectSecurityHeaders(missing)
        }
    }

    @Test func imageOfAnotherTenant_isA404Page() async throws {
        let cast = try await PortalCast()
        let hidden = try await cast.world.activeImage(by: cast.member, name: "theirs")
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            let response = try await browser.get("/images/\(hidden.id)")
            expectErrorPage(response, .notFound)
            #expect(!response.text.contains("theirs"))
        }
    }
}

// MARK: - CSRF

@Suite("CSRF over HTTP")
struct CSRFHTTPTests {
    @Test func post_withoutCSRFToken_answers403PageWithRequestID_andChangesNothing() async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "keep")
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // When a form is posted without _csrf
            let response = try await browser.post("/images/\(image.id)/edit", form: [("name", "renamed")])
            // Then a 403 page names the request, and the image is unchanged
            expectErrorPage(response, .forbidden)
            #expect(response.text.contains("security token is missing or out of date"))
            #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.name == "keep")
        }
    }

    @Test func post_withCSRFTokenOfAnotherSession_answers403() async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "keep")
        try await cast.world.application().test(.router) { client in
            // Given two sessions of the same tenant
            var first = Browser(client)
            var second = Browser(client)
            try await first.signIn(cast.owner)
            try await second.signIn(cast.owner)
            let otherToken = try await second.csrf()
            #expect(try await first.csrf() != otherToken)
            // When the first posts with the second's token
            let response = try await first.post("/images/\(image.id)/edit", form: [("_csrf", otherToken), ("name", "renamed")])
            // Then it is refused
            expectErrorPage(response, .forbidden)
            #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.name == "keep")
            // And with its own token the same form works
            let own = try await first.submit("/images/\(image.id)/edit", [("name", "renamed")])
            #expect(own.status == .seeOther)
            #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.name == "renamed")
        }
    }
}

// MARK: - Upload

@Suite("Import upload over HTTP")
struct ImportUploadHTTPTests {
    @Test func upload_smallRawFile_redirectsToTheActiveImageWithItsChecksum() async throws {
        let cast = try await PortalCast()
        let data = sampleBytes(70_000)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // Given a multipart body: fields first, then the file
            var body = MultipartBody()
            body.field("name", "from the browser")
            body.field("disk_format", "raw")
            body.field("container_format", "bare")
            body.field("visibility", "private")
            body.file("file", filename: "disk.raw", data: data)
            // When it is posted to the upload action
            let response = try await browser.upload(body)
            // Then the browser goes to the new image, which is active with the data's checksum
            #expect(response.status == .seeOther, "\(HTML.text(of: response.text).prefix(300))")
            let location = try #require(response.location)
            #expect(location.hasPrefix("/images/"))
            let id = try #require(ImageID(rawValue: String(location.dropFirst("/images/".count))))
            let image = try await cast.useCases.catalog.show(id, for: cast.owner.principal).image
            #expect(image.status == .active)
            #expect(image.name == "from the browser")
            #expect(image.visibility == .private && image.diskFormat == .raw && image.containerFormat == .bare)
            #expect(image.size == Int64(data.count))
            #expect(image.checksum == ByteEncoding.hex(Digest.hash(.md5, data)))
            #expect(image.osHashValue == ByteEncoding.hex(Digest.hash(.sha512, data)))
            // And the image page says so
            let page = try await browser.follow(response)
            #expect(page.status == .ok)
            #expect(HTML.flashes(in: page.text).contains { $0.hasPrefix("Uploaded") && $0.contains("the image is active") })
        }
    }

    @Test func upload_withoutAName_usesTheFileName() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            var body = MultipartBody()
            body.field("name", "")
            body.field("disk_format", "raw")
            body.file("file", filename: "server disk.raw", data: sampleBytes(100))
            let response = try await browser.upload(body)
            let id = try #require(ImageID(rawValue: String((response.location ?? "").dropFirst("/images/".count))))
            #expect(try await cast.useCases.catalog.show(id, for: cast.owner.principal).image.name == "server disk.raw")
        }
    }

    @Test func upload_declaredQcow2WithRandomBytes_answers400AndCreatesNoImage() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // Given a file declared qcow2 that is random bytes
            var body = MultipartBody()
            body.field("disk_format", "qcow2")
            body.field("container_format", "bare")
            body.file("file", filename: "fake.qcow2", data: sampleBytes(4096))
            // When it is uploaded
            let response = try await browser.upload(body)
            // Then a 400 page explains, and no image exists
            expectErrorPage(response, .badRequest)
            #expect(try await cast.useCases.catalog.counts(for: cast.owner.principal).owned == 0)
            var query = ImageListQuery()
            query.visibility = .all
            #expect(try await cast.useCases.catalog.list(query, for: cast.owner.principal).images.isEmpty)
        }
    }

    @Test func upload_fromThePageScript_answers200WithTheLocation_andKeepsTheFlash() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            let csrf = try await browser.csrf()
            var body = MultipartBody()
            body.field("disk_format", "raw")
            body.file("file", filename: "scripted.raw", data: sampleBytes(300))
            // When the page script sends the form (it cannot follow a redirect without eating the flash)
            let response = try await browser.send(
                .post, "/import/upload?_csrf=\(csrf)", headers: [.contentType: body.contentType, .literal("X-Portal-Upload"): "1"],
                body: ByteBuffer(bytes: body.finished))
            // Then it gets the location as JSON, and the flash waits for that page
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let location = try #require(
                (try? JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView)))?["location"], "\(response.text)")
            #expect(location.hasPrefix("/images/"))
            #expect(response.setCookie(SessionCodec.flashCookieName) != nil)
            let page = try await browser.get(location)
            #expect(HTML.flashes(in: page.text).contains { $0.hasPrefix("Uploaded") })
        }
    }

    @Test func upload_withTwoFiles_isRefusedAndLeavesNothing() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            var body = MultipartBody()
            body.field("disk_format", "raw")
            body.file("file", filename: "one.raw", data: sampleBytes(100, seed: 1))
            body.file("file", filename: "two.raw", data: sampleBytes(100, seed: 2))
            let response = try await browser.upload(body)
            // Then the upload is refused ("Send one file at a time") and, as for any failed upload, nothing is kept
            expectErrorPage(response, .badRequest)
            #expect(response.text.contains("Send one file at a time."))
            #expect(try await cast.useCases.catalog.counts(for: cast.owner.principal).owned == 0, "a refused upload left an image behind")
        }
    }

    @Test func upload_withoutCSRFInTheAction_answers403() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            var body = MultipartBody()
            body.field("disk_format", "raw")
            body.file("file", filename: "disk.raw", data: sampleBytes(100))
            let response = try await browser.send(.post, "/import/upload", headers: [.contentType: body.contentType], body: ByteBuffer(bytes: body.finished))
            expectErrorPage(response, .forbidden)
            #expect(try await cast.useCases.catalog.counts(for: cast.owner.principal).owned == 0)
        }
    }
}

// MARK: - Sharing, answering, export

@Suite("Image actions over HTTP")
struct ImageActionsHTTPTests {
    @Test func share_commaListWithOneMalformedAndOneValidTenant_reportsBoth() async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "to share")
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // When the members textarea holds a malformed ID and a valid one
            let response = try await browser.submit("/images/\(image.id)/share", [("members", "12ab, 2002")])
            // Then the image page reports the share and the refusal
            #expect(response.status == .seeOther)
            #expect(response.location == "/images/\(image.id)")
            let page = try await browser.follow(response)
            let flashes = HTML.flashes(in: page.text)
            #expect(flashes.contains("Shared with 2002; each starts as pending."), "\(flashes)")
            #expect(flashes.contains { $0.hasPrefix("Not shared — 12ab: ") && $0.contains("not a tenant ID") }, "\(flashes)")
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.owner) == ["2002": .pending])
            #expect(page.text.contains("<tr data-member=\"2002\">"))
            // And the flash is shown once
            #expect(HTML.flashes(in: try await browser.get("/images/\(image.id)").text).isEmpty)
        }
    }

    @Test func share_privateImageWithMakeShared_sharesIt() async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "private one", visibility: .private)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            let page = try await browser.get("/images/\(image.id)")
            #expect(page.text.contains("id=\"make-shared\""))
            let response = try await browser.submit("/images/\(image.id)/share", [("members", "2002"), ("make_shared", "on")])
            let flashes = HTML.flashes(in: try await browser.follow(response).text)
            #expect(flashes.contains("The image is now shared (it was private)."), "\(flashes)")
            #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.visibility == .shared)
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.owner) == ["2002": .pending])
        }
    }

    @Test(arguments: ["accepted", "rejected"])
    func answer_memberPostsStatus_changesItsAnswer(status: String) async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "offered")
        try await cast.share(image)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.member)
            // Given the member's view offers the answers
            let page = try await browser.get("/images/\(image.id)")
            #expect(page.text.contains("<strong id=\"member-status\">pending</strong>"))
            // When it answers from the pending tab
            let response = try await browser.submit("/images/\(image.id)/status", [("status", status), ("return", "/images?tab=pending")])
            // Then it goes back to that tab and the answer is recorded as its own
            #expect(response.status == .seeOther)
            #expect(response.location == "/images?tab=pending")
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.owner) == ["2002": MemberStatus(rawValue: status)])
            let updated = try await cast.world.auditEvents(type: .memberUpdated, image: image.id)
            #expect(updated.map(\.tokenID) == [cast.member.tokenID])
        }
    }

    @Test func removeMember_byOwner_endsTheMembersAccess() async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "revocable")
        try await cast.share(image)
        try await cast.world.application().test(.router) { client in
            var owner = Browser(client)
            var member = Browser(client)
            try await owner.signIn(cast.owner)
            try await member.signIn(cast.member)
            #expect(try await member.get("/images/\(image.id)").status == .ok)
            // When the owner removes the member
            let response = try await owner.submit("/images/\(image.id)/members/remove", [("member", "2002")])
            #expect(response.status == .seeOther)
            #expect(HTML.flashes(in: try await owner.follow(response).text).contains("Removed 2002; its access ended at once."))
            // Then the member list is empty and the former member gets a 404
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.owner).isEmpty)
            expectErrorPage(try await member.get("/images/\(image.id)"), .notFound)
        }
    }

    @Test func export_toAContainer_createsAnExportTask() async throws {
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "outbound")
        _ = try await cast.world.createContainer("exports", for: try #require(cast.owner.tenant))
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // Given the image page offers the export form (every check passes)
            let page = try await browser.get("/images/\(image.id)")
            #expect(page.text.contains("id=\"start-export\""))
            // When the export is started
            let response = try await browser.submit("/images/\(image.id)/export", [("container", "exports")])
            // Then the browser goes to a new export task for that image and container
            #expect(response.status == .seeOther)
            let location = try #require(response.location)
            let taskID = try #require(TaskID(rawValue: String(location.dropFirst("/tasks/".count))), "\(location)")
            let task = try await cast.world.useCases.tasks.task(taskID, for: cast.owner.principal)
            #expect(task.type == .export)
            #expect(task.input["image_uuid"] == .string(image.id.rawValue))
            #expect(task.input["receiving_swift_container"] == .string("exports"))
            #expect(try await browser.follow(response).status == .ok)
            #expect(try await cast.world.auditEvents(type: .exportRequested, image: image.id).count == 1)
        }
    }
}

// MARK: - Staff

@Suite("Staff pages over HTTP")
struct StaffHTTPTests {
    @Test func support_readsItsPages_butEveryTenantPostIsRefusedAndChangesNothing() async throws {
        // Given a tenant's image with a member, a server, a container with an object
        let cast = try await PortalCast()
        let support = try await cast.world.staff("helen", role: .support)
        let tenant = try #require(cast.owner.tenant)
        let image = try await cast.world.activeImage(by: cast.owner, name: "watched")
        try await cast.share(image)
        let server = try await cast.world.useCases.compute.boot(name: "web-1", imageRef: image.id.rawValue, by: cast.owner.actor)
        _ = try await cast.world.createContainer("box", for: tenant)
        _ = try await cast.world.putObject(
            [ByteBuffer(string: "hello")].async, container: "box", name: "obj", contentType: "text/plain", expectedETag: nil, for: tenant)
        let before = try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(support)
            // Then support's pages render
            for page in [
                "/support", "/support/shares?status=pending", "/support/images/\(image.id)", "/support/tenants/1001", "/activity", "/settings", "/logout",
                "/images/\(image.id)", "/support/lookup?q=1001",
            ] {
                let response = try await browser.get(page)
                #expect(response.status == (page.hasPrefix("/support/lookup") ? .seeOther : .ok), "\(page): \(response.status)")
            }
            // When support posts every tenant form, with a valid CSRF token
            let csrf = try await browser.csrf()
            let posts: [(String, [(name: String, value: String)])] = [
                ("/images/\(image.id)/share", [("members", "3003")]),
                ("/images/\(image.id)/members/remove", [("member", "2002")]),
                ("/images/\(image.id)/status", [("status", "accepted")]),
                ("/images/\(image.id)/edit", [("name", "changed"), ("protected", "on")]),
                ("/images/\(image.id)/delete", []),
                ("/images/\(image.id)/deactivate", []),
                ("/images/\(image.id)/boot", [("name", "support-server")]),
                ("/images/\(image.id)/export", [("container", "box")]),
                ("/import/object", [("container", "box"), ("object", "obj"), ("disk_format", "raw")]),
                ("/servers", [("image", image.id.rawValue), ("name", "support-server")]),
                ("/servers/\(server.id)/snapshot", [("name", "support-snap")]),
                ("/servers/\(server.id)/delete", []),
                ("/files", [("name", "support-box")]),
                ("/files/box/delete", []),
                ("/files/box/object/delete", [("name", "obj")]),
                ("/session/inbox", [("account", "t:2002"), ("image", image.id.rawValue), ("status", "accepted")]),
            ]
            for (uri, form) in posts {
                let response = try await browser.post(uri, form: [("_csrf", csrf)] + form)
                #expect([.forbidden, .notFound].contains(response.status), "\(uri): \(response.status)")
            }
            var upload = MultipartBody()
            upload.field("disk_format", "raw")
            upload.file("file", filename: "disk.raw", data: sampleBytes(64))
            for uri in ["/import/upload?_csrf=\(csrf)", "/files/box/upload?_csrf=\(csrf)"] {
                let response = try await browser.send(.post, uri, headers: [.contentType: upload.contentType], body: ByteBuffer(bytes: upload.finished))
                #expect([.forbidden, .notFound].contains(response.status), "\(uri): \(response.status)")
            }
        }
        // Then nothing changed
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image == before)
        #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.owner) == ["2002": .pending])
        #expect(try await cast.world.useCases.compute.servers(for: cast.owner.principal).map(\.id) == [server.id])
        #expect(try await cast.world.useCases.files.containers(account: nil, for: cast.owner.principal).map(\.name) == ["box"])
        #expect(try await cast.world.useCases.files.container("box", account: nil, for: cast.owner.principal).objectCount == 1)
        #expect(try await cast.world.useCases.tasks.list(TaskQuery(), for: cast.owner.principal).tasks.isEmpty)
        #expect(try await cast.useCases.catalog.counts(for: cast.owner.principal).owned == 1)
        for type in [AuditEventType.memberCreated, .memberUpdated, .memberDeleted, .imageUpdated, .imageDeleted, .imageDeactivated, .serverCreated] {
            #expect(try await cast.world.auditEvents(type: type).allSatisfy { !$0.actor.contains("helen") }, "\(type)")
        }
    }

    @Test func adminPages_are404ForTenantsAndSupport_andChangeNothing() async throws {
        let cast = try await PortalCast()
        let support = try await cast.world.staff("helen", role: .support)
        let admin = try await cast.world.staff("ops", role: .admin)
        try await cast.world.application().test(.router) { client in
            for credential in [cast.owner, support] {
                var browser = Browser(client)
                try await browser.signIn(credential)
                for page in ["/admin", "/admin/tenants/1001"] {
                    expectErrorPage(try await browser.get(page), .notFound)
                }
                let csrf = try await browser.csrf()
                let posts: [(String, [(name: String, value: String)])] = [
                    ("/admin/tenants", [("ddi", "5555"), ("name", "Sneaky")]),
                    ("/admin/tenants/1001/tokens", [("role", "admin")]),
                    ("/admin/tokens/\(cast.member.tokenID)/revoke", []),
                ]
                for (uri, form) in posts {
                    expectErrorPage(try await browser.post(uri, form: [("_csrf", csrf)] + form), .notFound)
                }
            }
            // And for an admin they are there
            var browser = Browser(client)
            try await browser.signIn(admin)
            #expect(try await browser.get("/admin").status == .ok)
            #expect(try await browser.get("/admin/tenants/1001").status == .ok)
        }
        #expect(try await cast.world.useCases.accounts.tenant(try TenantID.parse("5555")) == nil)
        #expect(try await cast.world.useCases.accounts.token(cast.member.tokenID)?.revokedAt == nil)
        #expect(try await cast.world.useCases.accounts.tokens(of: TokenOwner.of(try TenantID.parse("1001")), for: Actor.cli("test").principal).count == 1)
    }
}

// MARK: - One-time token display

@Suite("One-time token display")
struct TokenIssueHTTPTests {
    @Test func issueToken_showsItOnce_thenThePageIs404() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            // When a token is issued from Settings
            let response = try await browser.submit(Paths.settingsTokens, [("label", "ci job"), ("expires_in", "30d")])
            // Then the browser is sent to a one-time page (the secret is not in the URL)
            #expect(response.status == .seeOther)
            let location = try #require(response.location)
            #expect(location.hasPrefix("/settings/tokens/issued?once="))
            let page = try await browser.get(location)
            #expect(page.status == .ok)
            let secret = try #require(HTML.tags("input", in: page.text).first { HTML.attributes(of: $0)["id"] == "new-token" }.flatMap { HTML.attributes(of: $0)["value"] })
            #expect(!location.contains(secret))
            #expect(!(response.headers[values: .setCookie].joined().contains(secret)))
            // And the shown token works, for this tenant, expiring in 30 days
            let info = try #require(try await cast.world.useCases.accounts.authenticate(secret))
            #expect(info.principal.tenantID == cast.owner.tenant)
            #expect(info.expiresAt == cast.world.now.addingTimeInterval(30 * 86_400))
            #expect(page.text.contains("ci job"))
            // And a second look finds nothing
            expectErrorPage(try await browser.get(location), .notFound)
        }
    }

    @Test func issuedTokenPage_isNotShownToAnotherAccount() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var owner = Browser(client)
            var other = Browser(client)
            try await owner.signIn(cast.owner)
            try await other.signIn(cast.member)
            let location = try #require(try await owner.submit(Paths.settingsTokens, [("label", "mine")]).location)
            // When another account opens the one-time link
            expectErrorPage(try await other.get(location), .notFound)
            // Then it is still there for the account that issued it
            #expect(try await owner.get(location).status == .ok)
        }
    }
}

extension Sequence {
    /// Maps with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
