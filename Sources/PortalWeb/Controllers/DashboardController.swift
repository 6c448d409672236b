import Foundation
import Hummingbird
import PortalAuth
import PortalCore
import PortalDomain

/// The dashboard: counts, the pending-share inbox of every held account, recent activity.
struct DashboardController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.dashboard), use: show)
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        guard context.principal.tenantID != nil else {
            return Response(status: .seeOther, headers: [.location: LoginController.home(for: context.principal)])
        }
        let dashboard = try await useCases.dashboard(for: context.principal, holding: context.session.others.map(\.principal))
        return try renderer.page("dashboard", DashboardPage.Model(dashboard, context: context))
    }
}
