import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCore
import PortalDomain
import PortalStorage
@testable import PortalWeb
import Testing
import TestSupport

/// Tenants A, B, C (held together by one person) and D (another person's only account).
struct HeldCast {
    let world: TestWorld
    let a: Credential
    let b: Credential
    let c: Credential
    let d: Credential

    init() async throws {
        world = try await TestWorld()
        a = try await world.token(try await world.tenant("7310001", name: "Alpha"))
        b = try await world.token(try await world.tenant("7310002", name: "Bravo"))
        c = try await world.token(try await world.tenant("7310003", name: "Charlie"))
        d = try await world.token(try await world.tenant("5550004", name: "Delta"))
    }

    var useCases: UseCases { world.useCases }

    /// The account key of a credential (`t:<DDI>`).
    static func key(_ credential: Credential) -> String { HeldAccount.key(of: credential.principal) }

    /// The DDI of a tenant credential.
    static func ddi(_ credential: Credential) -> String { credential.tenant?.rawValue ?? "" }
}

/// How the header shows the held accounts.
enum Switcher {
    /// The active account: key and label.
    static func active(in html: String) -> (key: String, label: String)? {
        guard let span = HTML.block("span", containing: "class=\"active-account\"", in: html),
            let key = HTML.attributes(of: HTML.tags("span", in: span).first ?? "")["data-account"]
        else { return nil }
        return (key, HTML.text(of: span))
    }

    /// The other held accounts offered as switch buttons: key → label.
    static func others(in html: String) -> [String: String] {
        var result: [String: String] = [:]
        for button in HTML.blocks("button", in: html) where button.contains("class=\"link switch-account\"") {
            if let key = HTML.attributes(of: HTML.tags("button", in: button).first ?? "")["data-account"] { result[key] = HTML.text(of: button) }
        }
        return result
    }
}

extension Browser {
    /// Signs in as `first`, adds `more` (each becomes active when added), then makes `first` active again.
    mutating func hold(_ first: Credential, _ more: [Credential]) async throws {
        let signIn = try await self.signIn(first)
        #expect(signIn.status == .seeOther, "sign-in as \(first.principal.label): \(signIn.status)")
        for credential in more {
            let added = try await addAccount(credential)
            #expect(added.status == .seeOther, "adding \(credential.principal.label): \(added.status)")
        }
        if !more.isEmpty { try await switchTo(HeldCast.key(first)) }
    }
}

@Suite("Account set and switcher")
struct AccountSwitcherTests {
    @Test func addAccounts_upToTen_theEleventhIsRefusedWith413_andTheCookieStaysSmall() async throws {
        // Given eleven tenants
        let world = try await TestWorld()
        let credentials = try await (1...11).asyncMap { index in
            try await world.token(try await world.tenant("73100\(10 + index)", name: "Tenant number \(index)"))
        }
        try await world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(credentials[0])
            // When nine more are added, each with its token
            var lastSetCookie = ""
            for credential in credentials[1..<10] {
                let response = try await browser.addAccount(credential)
                #expect(response.status == .seeOther)
                #expect(response.location == "/")
                lastSetCookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix(SessionCodec.cookieName + "=") })
                let page = try await browser.follow(response)
                #expect(HTML.flashes(in: page.text).contains("Added tenant \(try #require(credential.tenant)) to this session; it is now the active account."))
            }
            // Then the session holds ten, and its cookie stays far under the 4 KB browsers allow
            let payload = try #require(world.payload(of: browser.sessionCookie))
            #expect(payload.acc.count == 10)
            #expect(payload.act == HeldCast.key(credentials[9]))
            #expect(lastSetCookie.utf8.count < 1024, "Set-Cookie is \(lastSetCookie.utf8.count) bytes")
            let full = try await browser.get("/")
            #expect(!full.text.contains("Add account"))
            #expect(Switcher.others(in: full.text).count == 9)
            // And the eleventh is refused with a 413 page, the session unchanged
            let eleventh = try await browser.addAccount(credentials[10])
            #expect(eleventh.status == .contentTooLarge)
            #expect(eleventh.text.contains("A session holds at most 10 accounts"))
            #expect(eleventh.setCookie(SessionCodec.cookieName) == nil)
            #expect(world.payload(of: browser.sessionCookie)?.acc.count == 10)
        }
    }

    @Test func header_showsTheActiveAccount_andListsTheOthersByDDIAndName() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b, cast.c])
            let page = try await browser.get("/images")
            let active = try #require(Switcher.active(in: page.text))
            #expect(active.key == "t:7310001" && active.label == "7310001 · Alpha")
            #expect(Switcher.others(in: page.text) == ["t:7310002": "7310002 · Bravo", "t:7310003": "7310003 · Charlie"])
            #expect(page.text.contains("<a href=\"/session/accounts\">Add account</a>"))
            // Each switch form carries the session's CSRF token
            let csrf = try await browser.csrf()
            let switches = HTML.forms(in: page.text).filter { $0.contains("action=\"/session/switch\"") }
            #expect(switches.count == 2)
            #expect(switches.allSatisfy { HTML.hiddenValue("_csrf", in: $0) == csrf })
        }
    }

    @Test func addAccount_withWrongToken_isRefusedLikeSignIn_andAudited() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.a)
            let before = try #require(browser.sessionCookie)
            // When B is added with C's token
            let response = try await browser.addAccount(cast.b, token: cast.c.secret)
            // Then the add page comes back as a 401 with the reason; the session is unchanged; the failure is audited
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("That tenant ID and token do not match an active token."))
            #expect(response.text.contains("role=\"alert\""))
            #expect(browser.sessionCookie == before)
            let failed = try await cast.world.auditEvents(type: .loginFailed)
            #expect(failed.map(\.otherTenant) == [cast.b.tenant])
            // And a malformed tenant ID is a 400
            let malformed = try await browser.submit(Paths.accountsAdd, [("kind", "tenant"), ("ddi", "12ab"), ("token", cast.b.secret)])
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func addAccount_afterFiveFailures_isRateLimitedLikeSignIn() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.a)
            for _ in 1...5 {
                #expect(try await browser.addAccount(cast.b, token: "wrong").status == .unauthorized)
            }
            let response = try await browser.addAccount(cast.b)
            #expect(response.status == .tooManyRequests)
            #expect(response.text.contains("Too many failed sign-ins"))
            #expect(cast.world.payload(of: browser.sessionCookie)?.acc.count == 1)
        }
    }

    @Test func switch_toAHeldAccount_changesTheActiveAccount() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b])
            #expect(Switcher.active(in: try await browser.get("/").text)?.key == "t:7310001")
            // When the person switches to B
            let response = try await browser.switchTo("t:7310002")
            // Then 303, and every page now acts as B
            #expect(response.status == .seeOther)
            #expect(response.location == "/")
            #expect(cast.world.payload(of: browser.sessionCookie)?.act == "t:7310002")
            let page = try await browser.follow(response)
            #expect(Switcher.active(in: page.text)?.key == "t:7310002")
            #expect(Switcher.others(in: page.text) == ["t:7310001": "7310001 · Alpha"])
            #expect(HTML.flashes(in: page.text).contains("You are now acting as 7310002 · Bravo."))
            let settings = try await browser.get(Paths.settings)
            #expect(settings.text.contains("API tokens of 7310002 · Bravo"))
        }
    }

    @Test(arguments: ["t:5550004", "t:9999999", "s:someone", "x", ""])
    func switch_toAnAccountNotHeld_answers403(key: String) async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b])
            // When the switch form names an account this session does not hold (with a valid CSRF token)
            let response = try await browser.switchTo(key)
            // Then it is refused and the active account stays
            if key.isEmpty {
                expectErrorPage(response, .badRequest)
            } else {
                expectErrorPage(response, .forbidden)
                #expect(response.text.contains("does not hold that account"))
            }
            #expect(cast.world.payload(of: browser.sessionCookie)?.act == "t:7310001")
        }
    }

    @Test func revokingOneHeldAccountsToken_dropsOnlyThatAccount() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b, cast.c])
            // When C's token is revoked (image-portal tokens revoke)
            _ = try await cast.world.useCases.accounts.revokeToken(cast.c.tokenID, by: cast.world.operatorActor)
            // Then the next request still works, says C was signed out, and re-issues the cookie without C
            let page = try await browser.get("/images")
            #expect(page.status == .ok)
            #expect(HTML.heading(in: page.text) == "Images")
            let flashes = HTML.flashes(in: page.text)
            #expect(flashes.contains { $0.contains("Signed out of tenant 7310003") && $0.contains("revoked") }, "\(flashes)")
            let reissued = try #require(page.setCookie(SessionCodec.cookieName))
            let payload = try #require(cast.world.payload(of: reissued.value))
            #expect(payload.acc.map { $0[0] } == ["t:7310001", "t:7310002"])
            #expect(payload.act == "t:7310001")
            #expect(Switcher.active(in: page.text)?.key == "t:7310001")
            #expect(Switcher.others(in: page.text) == ["t:7310002": "7310002 · Bravo"])
            // And the message is shown once; C stays gone
            let next = try await browser.get("/")
            #expect(!HTML.flashes(in: next.text).contains { $0.contains("revoked") })
            #expect(next.setCookie(SessionCodec.cookieName) == nil)
            #expect(!HTML.containsWord("7310003", in: HTML.block("header", containing: "class=\"site\"", in: next.text) ?? ""))
            // And revoking the active account's token makes the first remaining one active
            try await browser.switchTo("t:7310002")
            _ = try await cast.world.useCases.accounts.revokeToken(cast.b.tokenID, by: cast.world.operatorActor)
            let after = try await browser.get("/")
            #expect(Switcher.active(in: after.text)?.key == "t:7310001")
            #expect(Switcher.others(in: after.text).isEmpty)
            #expect(HTML.flashes(in: after.text).contains { $0.contains("Signed out of tenant 7310002") })
        }
    }

    @Test func signOutOfTheActiveAccountOnly_keepsTheOthers() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b])
            // Given the sign-out page offers this account only, or all
            let page = try await browser.get(Paths.logout)
            #expect(HTML.text(of: page.text).contains("Sign out of 7310001 · Alpha only"))
            #expect(HTML.text(of: page.text).contains("Sign out of all accounts"))
            let sid = try #require(cast.world.payload(of: browser.sessionCookie)?.sid)
            // When the person signs out of A only
            let response = try await browser.submit(Paths.logout, [("scope", "this")])
            // Then B stays, now active; the session goes on under a new ID and the old one is ended, so an
            // earlier copy of the cookie (still holding A) no longer works; A's sign-out is audited with A's token
            #expect(response.status == .seeOther && response.location == "/")
            let payload = try #require(cast.world.payload(of: browser.sessionCookie))
            #expect(payload.acc.map { $0[0] } == ["t:7310002"] && payload.act == "t:7310002")
            #expect(payload.sid != sid)
            #expect(try await cast.world.useCases.sessions.isEnded(sid))
            #expect(!(try await cast.world.useCases.sessions.isEnded(payload.sid)))
            #expect(try await cast.world.auditEvents(type: .logout).map(\.tokenID) == [cast.a.tokenID])
            let home = try await browser.follow(response)
            #expect(HTML.flashes(in: home.text).contains("Signed out of 7310001 · Alpha. Your other accounts stay signed in."))
            #expect(Switcher.active(in: home.text)?.key == "t:7310002")
            #expect(Switcher.others(in: home.text).isEmpty)
        }
    }

    @Test func switch_inTheRequestThatDropsARevokedAccount_keepsTheSwitch() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b, cast.c])
            let csrf = try await browser.csrf()
            // Given C's token is revoked while the person has a page open
            _ = try await cast.world.useCases.accounts.revokeToken(cast.c.tokenID, by: cast.world.operatorActor)
            // When the next request is a switch to B
            let response = try await browser.post(Paths.accountsSwitch, form: [("_csrf", csrf), ("account", "t:7310002")])
            #expect(response.status == .seeOther)
            // Then the cookie the browser keeps (the last one set) has B active and C gone
            let sessionCookies = response.setCookies.filter { $0.name == SessionCodec.cookieName }
            let kept = try #require(cast.world.payload(of: browser.sessionCookie))
            #expect(kept.act == "t:7310002", "\(sessionCookies.count) session cookies set; the last has \(kept.act) active")
            #expect(kept.acc.map { $0[0] } == ["t:7310001", "t:7310002"])
            // And the person is told about C
            let page = try await browser.follow(response)
            #expect(Switcher.active(in: page.text)?.key == "t:7310002")
            #expect(HTML.flashes(in: page.text).contains { $0.contains("Signed out of tenant 7310003") }, "\(HTML.flashes(in: page.text))")
        }
    }

    @Test func addAccount_inTheRequestThatDropsARevokedAccount_keepsTheNewAccount() async throws {
        let cast = try await HeldCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.c])
            let csrf = try await browser.csrf()
            _ = try await cast.world.useCases.accounts.revokeToken(cast.c.tokenID, by: cast.world.operatorActor)
            // When B is added in the request that notices C's revocation
            let response = try await browser.post(Paths.accountsAdd, form: [("_csrf", csrf)] + Browser.accountFields(cast.b))
            #expect(response.status == .seeOther)
            // Then the session the browser keeps holds A and B, B active
            let kept = try #require(cast.world.payload(of: browser.sessionCookie))
            #expect(kept.acc.map { $0[0] } == ["t:7310001", "t:7310002"])
            #expect(kept.act == "t:7310002")
        }
    }

    @Test func shareFlash_withManyRefusedEntries_staysUnderTheBrowserCookieLimit() async throws {
        let cast = try await HeldCast()
        let image = try await cast.world.activeImage(by: cast.a, name: "central")
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.a)
            // When a pasted list of names (not tenant IDs) is shared with, plus one valid ID
            let names = (1...30).map { "person\($0)@example.com" }.joined(separator: ", ")
            let response = try await browser.submit("/images/\(image.id)/share", [("members", names + ", 7310002")])
            #expect(response.status == .seeOther)
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.a) == ["7310002": .pending])
            // Then the flash cookie is small enough for a browser to keep (4096 bytes per cookie)
            let flash = try #require(response.headers[values: .setCookie].first { $0.hasPrefix(SessionCodec.flashCookieName + "=") })
            #expect(flash.utf8.count <= 4096, "the flash cookie is \(flash.utf8.count) bytes: browsers drop it, and the person sees no result")
        }
    }

    @Test func dashboardInbox_listsEachHeldTenantsPendingShares_andAnswersAsThatAccount() async throws {
        // Given an outside owner that shared one image with B and one with C
        let cast = try await HeldCast()
        let owner = try await cast.world.token(try await cast.world.tenant("7310009", name: "Outside owner"))
        let forB = try await cast.world.activeImage(by: owner, name: "offer for bravo")
        let forC = try await cast.world.activeImage(by: owner, name: "offer for charlie")
        _ = try await cast.useCases.sharing.addMember("7310002", to: forB.id, by: owner.actor)
        _ = try await cast.useCases.sharing.addMember("7310003", to: forC.id, by: owner.actor)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b, cast.c])
            // When A's dashboard is opened
            let dashboard = try await browser.get("/")
            // Then the inbox lists both shares, each labelled with the account it was shared with
            let inbox = try #require(HTML.block("table", containing: "id=\"inbox\"", in: dashboard.text))
            #expect(inbox.contains("<tr data-image=\"\(forB.id)\" data-account=\"t:7310002\">"))
            #expect(inbox.contains("<tr data-image=\"\(forC.id)\" data-account=\"t:7310003\">"))
            #expect(inbox.contains("<span class=\"account-label\">7310002 · Bravo</span>"))
            #expect(inbox.contains("<span class=\"account-label\">7310003 · Charlie</span>"))
            #expect(dashboard.text.contains("each answer acts as the account it was shared with"))
            // When C's share is accepted from A's dashboard
            let response = try await browser.submit(
                Paths.accountsInbox, [("account", "t:7310003"), ("image", forC.id.rawValue), ("return", "/"), ("status", "accepted")])
            // Then C's answer changed, as C, with C's token, and A is still active
            #expect(response.status == .seeOther && response.location == "/")
            let members = try await cast.useCases.sharing.members(of: forC.id, for: owner.principal, api: .v2)
            #expect(members.map(\.status) == [.accepted])
            let updated = try await cast.world.auditEvents(type: .memberUpdated, image: forC.id)
            #expect(updated.count == 1)
            #expect(updated.first?.actor == "tenant 7310003")
            #expect(updated.first?.tokenID == cast.c.tokenID)
            let page = try await browser.follow(response)
            #expect(HTML.flashes(in: page.text).contains("Accepted the share of image \(forC.id) for 7310003 · Charlie."))
            #expect(Switcher.active(in: page.text)?.key == "t:7310001")
            #expect(!page.text.contains("data-image=\"\(forC.id)\""))
            #expect(page.text.contains("data-image=\"\(forB.id)\""))
            // And B's share is untouched
            #expect(try await cast.useCases.sharing.members(of: forB.id, for: owner.principal, api: .v2).map(\.status) == [.pending])
        }
    }

    @Test func inboxAnswer_forAnAccountNotHeld_isRefused() async throws {
        let cast = try await HeldCast()
        let image = try await cast.world.activeImage(by: cast.a, name: "shared with d")
        _ = try await cast.useCases.sharing.addMember("5550004", to: image.id, by: cast.a.actor)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b])
            let response = try await browser.submit(Paths.accountsInbox, [("account", "t:5550004"), ("image", image.id.rawValue), ("status", "accepted")])
            expectErrorPage(response, .forbidden)
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.a) == ["5550004": .pending])
        }
    }

    @Test func shareWithHeldAccounts_andAcceptForThem_auditsEachAsItsOwnAct() async throws {
        let cast = try await HeldCast()
        let image = try await cast.world.activeImage(by: cast.a, name: "central")
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b, cast.c])
            // Given the share form lists the other held accounts
            let page = try await browser.get("/images/\(image.id)")
            let form = try #require(HTML.block("form", containing: "id=\"share-form\"", in: page.text))
            #expect(HTML.values(ofField: "held", in: form) == ["t:7310002", "t:7310003"])
            #expect(HTML.text(of: form).contains("7310002 · Bravo") && HTML.text(of: form).contains("7310003 · Charlie"))
            // When A shares with both, accepting for them
            let response = try await browser.submit(
                "/images/\(image.id)/share", [("members", ""), ("held", "t:7310002"), ("held", "t:7310003"), ("accept_for_held", "on")])
            // Then both are members, accepted
            #expect(response.status == .seeOther)
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.a) == ["7310002": .accepted, "7310003": .accepted])
            let flashes = HTML.flashes(in: try await browser.follow(response).text)
            #expect(flashes.contains("Shared with 7310002, 7310003; each starts as pending."), "\(flashes)")
            #expect(flashes.contains("Accepted for 7310002 · Bravo."))
            #expect(flashes.contains("Accepted for 7310003 · Charlie."))
            // And the adds are A's acts with A's token; each acceptance is the member's own act with its own token
            let created = try await cast.world.auditEvents(type: .memberCreated, image: image.id)
            #expect(created.count == 2)
            #expect(created.allSatisfy { $0.actor == "tenant 7310001" && $0.tokenID == cast.a.tokenID })
            #expect(Set(created.compactMap(\.otherTenant?.rawValue)) == ["7310002", "7310003"])
            let accepted = try await cast.world.auditEvents(type: .memberUpdated, image: image.id)
            #expect(accepted.count == 2)
            #expect(Set(accepted.map { "\($0.actor) \($0.tokenID?.rawValue ?? "-")" }) == [
                "tenant 7310002 \(cast.b.tokenID)", "tenant 7310003 \(cast.c.tokenID)",
            ])
            // And the held checklist no longer offers them
            let after = try await browser.get("/images/\(image.id)")
            #expect(HTML.values(ofField: "held", in: after.text).isEmpty)
        }
    }

    @Test func shareWithHeld_namingAnAccountNotHeld_isRefusedAsAWhole() async throws {
        let cast = try await HeldCast()
        let image = try await cast.world.activeImage(by: cast.a, name: "central")
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b])
            let response = try await browser.submit(
                "/images/\(image.id)/share", [("members", "7310002"), ("held", "t:5550004"), ("accept_for_held", "on")])
            expectErrorPage(response, .forbidden)
            #expect(try await cast.world.memberStatuses(of: image.id, owner: cast.a).isEmpty)
        }
    }

    @Test func imagePage_asMemberWhoseOwnerAccountIsHeld_offersSwitchToOwner() async throws {
        let cast = try await HeldCast()
        let image = try await cast.world.activeImage(by: cast.a, name: "owned by alpha")
        _ = try await cast.useCases.sharing.addMember("7310002", to: image.id, by: cast.a.actor)
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.hold(cast.a, [cast.b])
            try await browser.switchTo("t:7310002")
            // When B opens the image A owns
            let page = try await browser.get("/images/\(image.id)")
            // Then the page names A and offers to switch to it
            let notice = try #require(HTML.block("section", containing: "aria-labelledby=\"owner-held-title\"", in: page.text))
            #expect(HTML.text(of: notice).contains("7310001 · Alpha"))
            #expect(HTML.text(of: notice).contains("Switch to the owner account"))
            #expect(HTML.hiddenValue("account", in: notice) == "t:7310001")
            #expect(page.text.contains("<strong id=\"member-status\">pending</strong>"))
            // When the offered form is submitted
            let returnPath = try #require(HTML.hiddenValue("return", in: notice))
            let response = try await browser.submit(Paths.accountsSwitch, [("account", "t:7310001"), ("return", returnPath)])
            // Then A is active, back on the image, now as its owner
            #expect(response.location == "/images/\(image.id)")
            let owned = try await browser.follow(response)
            #expect(Switcher.active(in: owned.text)?.key == "t:7310001")
            #expect(owned.text.contains("id=\"share-form\""))
            #expect(!owned.text.contains("owner-held-title"))
        }
    }

    @Test func personHoldingOnlyD_seesNothingOfTheOtherPersonsAccounts() async throws {
        let cast = try await HeldCast()
        let secretA = try await cast.world.activeImage(by: cast.a, name: "secret-alpha-plans")
        let secretB = try await cast.world.activeImage(by: cast.b, name: "secret-bravo-build", data: Array("another image".utf8))
        try await cast.world.application().test(.router) { client in
            // Given one person holding A, B and C who shares between them
            var alice = Browser(client)
            try await alice.hold(cast.a, [cast.b, cast.c])
            #expect(try await alice.submit("/images/\(secretA.id)/share", [("held", "t:7310002"), ("held", "t:7310003"), ("accept_for_held", "on")]).status == .seeOther)
            try await alice.switchTo("t:7310002")
            #expect(try await alice.submit("/images/\(secretB.id)/share", [("members", "7310003")]).status == .seeOther)
            // When another person signs in with D only
            var bob = Browser(client)
            try await bob.signIn(cast.d)
            let secrets = ["7310001", "7310002", "7310003", "Alpha", "Bravo", "Charlie", "secret-alpha-plans", "secret-bravo-build", secretA.id.rawValue, secretB.id.rawValue]
            let pages = [
                "/", "/images?tab=mine", "/images?tab=shared", "/images?tab=pending", "/images?tab=rejected", "/images?tab=public", "/import", "/servers",
                "/files", "/tasks", "/activity", "/activity.csv", "/settings", "/session/accounts", "/logout",
            ]
            // Then no page shows any of it
            for page in pages {
                let response = try await bob.get(page)
                #expect(response.status == .ok, "\(page): \(response.status)")
                for secret in secrets {
                    #expect(!HTML.containsWord(secret, in: response.text), "\(page) shows \(secret)")
                }
            }
            #expect(Switcher.others(in: try await bob.get("/").text).isEmpty)
            // And by ID the images do not exist for D
            for image in [secretA, secretB] {
                let response = try await bob.get("/images/\(image.id)")
                expectErrorPage(response, .notFound)
                #expect(!response.text.contains("secret-"))
            }
        }
    }
}
