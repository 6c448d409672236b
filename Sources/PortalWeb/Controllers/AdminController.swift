import Foundation
import Hummingbird
import PortalAuth
import PortalCore
import PortalDomain

/// Admin (admin staff only): tenants and their tokens.
struct AdminController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.admin), use: index)
        group.post(RouterPath(stringLiteral: Paths.adminTenants), use: addTenant)
        group.get("/admin/tenants/:ddi", use: tenant)
        group.post("/admin/tenants/:ddi/tokens", use: issue)
        group.post("/admin/tokens/:tokenID/revoke", use: revoke)
    }

    @Sendable func index(_ request: Request, context: WebContext) async throws -> Response {
        let directory = try await useCases.accounts.directory(for: context.principal)
        return try renderer.page("admin/index", AdminPage.Model(tenants: directory.tenants, staff: directory.staff, context: context))
    }

    @Sendable func addTenant(_ request: Request, context: WebContext) async throws -> Response {
        let id = try TenantID.parse(context.form["ddi"] ?? "")
        _ = try await useCases.accounts.addTenant(id, name: context.form["name"] ?? "", by: context.actor)
        return Response.redirect(to: Paths.adminTenant(id), flash: [.success("Added tenant \(id).")], jar: jar)
    }

    @Sendable func tenant(_ request: Request, context: WebContext) async throws -> Response {
        let account = try await useCases.accounts.tenantAccount(try TenantID.parse(context.parameters.get("ddi") ?? ""), for: context.principal)
        return try renderer.page("admin/tenant", AdminTenantPage.Model(account.tenant, tokens: account.tokens, now: services.clock.now(), context: context))
    }

    @Sendable func issue(_ request: Request, context: WebContext) async throws -> Response {
        let id = try TenantID.parse(context.parameters.get("ddi") ?? "")
        let role = TenantRole(rawValue: context.form["role"] ?? "member") ?? .member
        let now = services.clock.now()
        let label = context.form["label"] ?? ""
        let issued = try await useCases.accounts.issueTenantToken(
            id, role: role, label: label, expiresAt: try TokenRules.expiry(context.form["expires_in"], now: now), by: context.actor)
        let shown = "\(issued.info.id) for tenant \(id) (\(role.rawValue)) \(label)"
        let handle = try services.issuedTokens.put(issued.secret, label: shown, ownerKey: context.session.active.key, now: now)
        return Response.redirect(to: Paths.settingsIssued + "?once=" + handle, jar: jar)
    }

    @Sendable func revoke(_ request: Request, context: WebContext) async throws -> Response {
        let id = try TokenID.parse(context.parameters.get("tokenID") ?? "")
        let info = try await useCases.accounts.revokeAnyToken(id, by: context.actor)
        let back = info.principal.tenantID.map(Paths.adminTenant) ?? Paths.admin
        return Response.redirect(to: back, flash: [.success("Revoked \(id); its API calls and browser sessions end at once.")], jar: jar)
    }
}
