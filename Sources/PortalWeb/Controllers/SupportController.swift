import Foundation
import Hummingbird
import PortalAuth
import PortalCore
import PortalDomain

/// Support (support and admin staff): read-only review of shares across tenants.
struct SupportController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.support), use: index)
        group.get(RouterPath(stringLiteral: Paths.supportLookup), use: lookup)
        group.get(RouterPath(stringLiteral: Paths.supportShares), use: index)
        group.get("/support/images/:imageID", use: image)
        group.get("/support/tenants/:ddi", use: tenant)
    }

    /// The lookup form and the share-review list with its filters.
    @Sendable func index(_ request: Request, context: WebContext) async throws -> Response {
        let form = Form(fields: QueryItems.parse(request.uri.query))
        let rows = try await useCases.support.shares(try SupportPage.filter(form), for: context.principal)
        return try renderer.page("support/index", SupportPage.Model(rows, form: form, now: services.clock.now(), context: context))
    }

    @Sendable func lookup(_ request: Request, context: WebContext) async throws -> Response {
        let query = Form(fields: QueryItems.parse(request.uri.query))["q"] ?? ""
        switch try useCases.support.lookup(query, for: context.principal) {
        case .image(let id): return Response(status: .seeOther, headers: [.location: Paths.supportImage(id)])
        case .tenant(let tenant): return Response(status: .seeOther, headers: [.location: Paths.supportTenant(tenant)])
        }
    }

    /// One image with its owner, members, lineage and full sharing history.
    @Sendable func image(_ request: Request, context: WebContext) async throws -> Response {
        let image = try await useCases.support.image(try context.imageID(), for: context.principal)
        return try renderer.page("support/image", SupportImagePage.Model(image, context: context))
    }

    /// One tenant's images shared out and shared in.
    @Sendable func tenant(_ request: Request, context: WebContext) async throws -> Response {
        let shares = try await useCases.support.tenantOverview(try TenantID.parse(context.parameters.get("ddi") ?? ""), for: context.principal)
        return try renderer.page("support/tenant", SupportTenantPage.Model(shares, now: services.clock.now(), context: context))
    }
}
