import Foundation
import Hummingbird
import PortalAuth
import PortalCore
import PortalDomain

/// Settings: the active account's API tokens — issue (shown once), list, revoke.
struct SettingsController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.settings), use: show)
        group.post(RouterPath(stringLiteral: Paths.settingsTokens), use: issue)
        group.get(RouterPath(stringLiteral: Paths.settingsIssued), use: issued)
        group.post("/settings/tokens/:tokenID/revoke", use: revoke)
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let tokens = try await useCases.accounts.ownTokens(for: context.principal)
        return try renderer.page("settings/tokens", SettingsPage.Model(tokens, now: services.clock.now(), context: context))
    }

    @Sendable func issue(_ request: Request, context: WebContext) async throws -> Response {
        let now = services.clock.now()
        let label = context.form["label"] ?? ""
        let issued = try await useCases.accounts.issueToken(
            for: TokenRules.ownSubject(of: context.principal), label: label, expiresAt: try TokenRules.expiry(context.form["expires_in"], now: now),
            by: context.actor)
        let handle = try services.issuedTokens.put(issued.secret, label: "\(issued.info.id) \(label)", ownerKey: context.session.active.key, now: now)
        return Response.redirect(to: Paths.settingsIssued + "?once=" + handle, jar: jar)
    }

    @Sendable func issued(_ request: Request, context: WebContext) async throws -> Response {
        let handle = Form(fields: QueryItems.parse(request.uri.query))["once"] ?? ""
        guard let shown = services.issuedTokens.take(handle, ownerKey: context.session.active.key, now: services.clock.now()) else {
            throw DomainError.notFound("That token was already shown, or the page expired. Tokens are shown only once: issue a new one if you did not copy it.")
        }
        return try renderer.page("settings/token-issued", TokenIssuedPage.Model(secret: shown.secret, label: shown.label, context: context))
    }

    @Sendable func revoke(_ request: Request, context: WebContext) async throws -> Response {
        let id = try TokenID.parse(context.parameters.get("tokenID") ?? "")
        _ = try await useCases.accounts.revokeToken(id, by: context.actor)
        let note = id == context.session.active.tokenID ? " This session used it, so this account is now signed out." : ""
        return Response.redirect(to: Paths.settings, flash: [.success("Revoked \(id).\(note)")], jar: jar)
    }
}
