import Foundation
package import Hummingbird
import Logging
package import PortalAuth
import PortalDomain
import PortalCore

/// Opens the browser session of a request: verifies the HMAC-signed cookie, refuses signed-out
/// sessions, checks every held account's token (a revoked or expired one drops that account alone),
/// checks the CSRF token of every unsafe request, and hands the session, the parsed form and the
/// pending flash messages to the handler. Without a valid session it redirects to the sign-in page.
package struct SessionMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext
    let services: WebServices
    var jar: CookieJar { CookieJar(codec: services.codec, secure: services.secureCookies, lifetime: services.sessionLifetime, clock: services.clock) }

    package init(services: WebServices) { self.services = services }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let now = services.clock.now()
        guard let cookie = request.cookies[SessionCodec.cookieName]?.value,
            var payload = services.codec.decode(cookie, now: now), var accounts = payload.accounts,
            try await !services.useCases.sessions.isEnded(payload.sid)
        else {
            return signInRedirect(request, clearing: request.cookies[SessionCodec.cookieName] != nil)
        }

        // Every held account is checked against its token on every request.
        var verified: [WebAccount] = []
        var dropped: [String] = []
        let infos = try await withThrowingTaskGroup(of: (HeldAccount, TokenInfo?).self) { group in
            for account in accounts.accounts { group.addTask { (account, try await services.useCases.accounts.token(account.tokenID)) } }
            var results: [String: TokenInfo?] = [:]
            for try await (account, info) in group { results[account.key] = info }
            return results
        }
        let tenantIDs = accounts.accounts.compactMap(\.tenantID)
        let tenants = try await services.useCases.accounts.tenants(tenantIDs)
        for account in accounts.accounts {
            guard let info = infos[account.key] ?? nil, info.isUsable(at: now), HeldAccount.key(of: info.principal) == account.key else {
                dropped.append(Self.describe(account))
                accounts.remove(account.key)
                continue
            }
            verified.append(Self.webAccount(account, info.principal, tenants: tenants))
        }
        guard !verified.isEmpty, accounts.accounts.count == verified.count else {
            return signInRedirect(request, clearing: true, flash: [.info("You were signed out: the token behind this session was revoked or has expired.")])
        }
        payload.set(accounts)

        var flashes = jar.readFlash(request)
        let droppedNotice = dropped.isEmpty ? nil : Self.droppedNotice(dropped)
        if let droppedNotice { flashes.append(droppedNotice) }
        let csrf = services.codec.csrfToken(sessionID: payload.sid)
        var context = context

        // Every unsafe request must carry the session's CSRF token.
        if request.method != .get && request.method != .head {
            let form = try await Self.readForm(request, context: context)
            let submitted = form.fields.first { $0.name == "_csrf" }?.value ?? request.headers[.literal("X-CSRF-Token")]
            guard services.codec.verifyCSRF(submitted, sessionID: payload.sid) else {
                throw DomainError.forbidden("This form's security token is missing or out of date. Reload the page and try again.")
            }
            context.attachments[WebAttachment.form] = form
        }

        let session = WebSession(payload: payload, accounts: accounts, verified: verified, csrf: csrf, flashes: flashes)
        let active = session.active
        context.identity = Identity(principal: active.principal, tokenID: active.tokenID)
        context.state.principal = active.principal.label
        context.logger[metadataKey: "principal"] = .string(active.principal.label)
        context.attachments[WebAttachment.session] = session

        var response = try await next(request, context)
        if let droppedNotice {
            // The handler may have issued the session itself (switch, add account): its cookie, built from
            // the already-pruned set, wins. The notice about dropped accounts must outlive a redirect.
            if !Self.sets(SessionCodec.cookieName, in: response) { response.setCookie(jar.session(payload)) }
            if response.status == .seeOther { jar.addFlash(droppedNotice, to: &response) }
        }
        // A flash is shown once: the page that displayed it clears it.
        if request.cookies[SessionCodec.flashCookieName] != nil && request.method == .get && response.status != .seeOther {
            response.setCookie(jar.clearFlash())
        }
        return response
    }

    /// What the person reads when accounts left the session because their tokens went.
    static func droppedNotice(_ dropped: [String]) -> Flash {
        .info("Signed out of \(dropped.joined(separator: ", ")): its token was revoked or has expired. Your other accounts stay signed in.")
    }

    /// Whether the response sets a cookie of that name.
    static func sets(_ name: String, in response: Response) -> Bool {
        response.headers[values: .setCookie].contains { $0.hasPrefix(name + "=") }
    }

    /// Form fields: urlencoded bodies are read here (1 MiB at most); multipart bodies stay
    /// unread for the handler to stream, and carry their CSRF token in the query string.
    static func readForm(_ request: Request, context: PortalRequestContext) async throws -> Form {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") {
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            return Form(fields: QueryItems.parse(String(buffer: body)))
        }
        return Form(fields: QueryItems.parse(request.uri.query))
    }

    private func signInRedirect(_ request: Request, clearing: Bool, flash: [Flash] = []) -> Response {
        let target = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : Paths.dashboard
        let location = target == Paths.dashboard ? Paths.login : Paths.login + "?next=" + Paths.segment(target)
        var response = Response.redirect(to: location, flash: flash, jar: jar)
        if clearing { response.setCookie(jar.clearSession()) }
        return response
    }

    static func describe(_ account: HeldAccount) -> String {
        if let tenant = account.tenantID { return "tenant \(tenant)" }
        return "staff \(account.key.dropFirst(2))"
    }

    static func webAccount(_ account: HeldAccount, _ principal: Principal, tenants: [TenantID: Tenant]) -> WebAccount {
        switch principal {
        case .tenant(let id, let role):
            let name = tenants[id]?.name ?? ""
            let label = (name.isEmpty ? "\(id)" : "\(id) · \(name)") + (role == .admin ? " (admin)" : "")
            return WebAccount(key: account.key, tokenID: account.tokenID, principal: principal, label: label, name: name)
        case .staff(let name, let role):
            return WebAccount(key: account.key, tokenID: account.tokenID, principal: principal, label: "\(name) (\(role.rawValue))", name: name.rawValue)
        }
    }
}

/// Security headers on every response: a CSP without inline script, no framing, no sniffing,
/// a same-origin referrer.
package struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        response.headers[.literal("X-Frame-Options")] = "DENY"
        response.headers[.literal("X-Content-Type-Options")] = "nosniff"
        response.headers[.literal("Referrer-Policy")] = "same-origin"
        return response
    }
}
