import Foundation
import Hummingbird
import PortalAuth
import PortalDomain
import PortalCore

/// Several accounts in one browser session: add, switch, answer shares as any held account, sign out.
struct SessionController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.accountsAdd), use: addForm)
        group.post(RouterPath(stringLiteral: Paths.accountsAdd), use: add)
        group.post(RouterPath(stringLiteral: Paths.accountsSwitch), use: switchAccount)
        group.post(RouterPath(stringLiteral: Paths.accountsInbox), use: answer)
        group.get(RouterPath(stringLiteral: Paths.logout), use: signOutForm)
        group.post(RouterPath(stringLiteral: Paths.logout), use: signOut)
    }

    @Sendable func addForm(_ request: Request, context: WebContext) async throws -> Response {
        try renderer.page("session/add", AddAccountPage.Model(context: context))
    }

    @Sendable func add(_ request: Request, context: WebContext) async throws -> Response {
        let attempt = LoginController.attempt(context.form, remoteAddress: context.remoteAddress, requestID: context.requestID)
        do {
            let account = try await useCases.signIn.check(attempt)
            let payload = try context.session.payload { accounts throws(DomainError) in try accounts.add(account.held) }
            let flash = Flash.success("Added \(account.principal.label) to this session; it is now the active account.")
            var response = Response.redirect(to: LoginController.home(for: account.principal), flash: [flash], jar: jar)
            response.setCookie(jar.session(payload))
            return response
        } catch let error as DomainError {
            return try renderer.page("session/add", AddAccountPage.Model(attempt, error: error, context: context), status: error.status)
        }
    }

    @Sendable func switchAccount(_ request: Request, context: WebContext) async throws -> Response {
        guard let key = context.form["account"] else { throw DomainError.invalid("Choose an account to switch to.") }
        let payload = try context.session.payload { accounts throws(DomainError) in try accounts.switchTo(key) }
        let label = context.session.verified.first { $0.key == key }?.label ?? key
        let principal = context.session.verified.first { $0.key == key }?.principal
        var response = Response.redirect(
            to: Self.back(context.form, fallback: principal.map(LoginController.home(for:)) ?? Paths.dashboard),
            flash: [.info("You are now acting as \(label).")], jar: jar)
        response.setCookie(jar.session(payload))
        return response
    }

    /// Accept, reject or "remind me later" on a pending share, acting as the held account it was shared with.
    @Sendable func answer(_ request: Request, context: WebContext) async throws -> Response {
        let form = context.form
        guard let key = form["account"], let account = context.session.verified.first(where: { $0.key == key }), let tenant = account.principal.tenantID else {
            throw DomainError.forbidden("This session does not hold that account.")
        }
        guard let imageText = form["image"], let image = ImageID(rawValue: imageText) else { throw DomainError.invalid("Which image?") }
        let status = form["status"] ?? ""
        let member = try await useCases.sharing.answer(image, member: tenant.rawValue, status: status, by: context.actor(for: account))
        let verb = member.status == .accepted ? "Accepted" : member.status == .rejected ? "Rejected" : "Kept for later"
        return Response.redirect(to: Self.back(form, fallback: Paths.dashboard), flash: [.success("\(verb) the share of image \(image) for \(account.label).")], jar: jar)
    }

    @Sendable func signOutForm(_ request: Request, context: WebContext) async throws -> Response {
        try renderer.page("session/logout", SignOutPage.Model(context: context))
    }

    @Sendable func signOut(_ request: Request, context: WebContext) async throws -> Response {
        let session = context.session
        let active = session.active
        guard context.form["scope"] == "this", session.accounts.accounts.count > 1 else {
            try await useCases.sessions.end(session.payload.sid, expiresAt: session.expiry, signingOut: session.verified.map(context.actor(for:)))
            var response = Response.redirect(to: Paths.login, flash: [.info("You are signed out.")], jar: jar)
            response.setCookie(jar.clearSession())
            return response
        }
        // The session continues under a new ID; the old one ends, so an earlier copy of the cookie
        // (which still holds the signed-out account) no longer works.
        try await useCases.sessions.end(session.payload.sid, expiresAt: session.expiry, signingOut: [context.actor])
        var payload = session.payload { $0.remove(active.key) }
        payload.sid = try SessionCodec.newSessionID()
        var response = Response.redirect(to: Paths.dashboard, flash: [.info("Signed out of \(active.label). Your other accounts stay signed in.")], jar: jar)
        response.setCookie(jar.session(payload))
        return response
    }

    /// A local "return to" path from the form, or the fallback.
    static func back(_ form: Form, fallback: String) -> String {
        LoginController.safeNext(form["return"]) ?? fallback
    }
}
