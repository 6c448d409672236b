import Foundation
import Hummingbird
import PortalAuth
import PortalDomain
import PortalStorage

/// The dashboard: counts, the pending-share inbox of every held account, recent activity.
struct DashboardController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.dashboard), use: show)
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        guard let tenant = context.principal.tenantID else {
            return Response(status: .seeOther, headers: [.location: LoginController.home(for: context.principal)])
        }
        async let counts = services.images.counts(for: tenant)
        async let servers = services.compute.servers(of: tenant)
        async let usage = services.objects.usage(of: tenant)
        async let tasks = services.tasks.list(TaskQuery(status: .processing, limit: 100), for: context.principal)
        async let events = services.audit.events({ var q = AuditQuery(); q.limit = 8; return q }(), for: context.principal)
        let inbox = try await Self.inbox(context, services: services)
        let (c, s, u, t, e) = try await (counts, servers, usage, tasks, events)
        let stats = [
            DashboardPage.Stat(label: "My images", value: c.owned, href: Paths.images + "?tab=mine"),
            DashboardPage.Stat(label: "Shared with me", value: c.accepted, href: Paths.images + "?tab=shared"),
            DashboardPage.Stat(label: "Awaiting my answer", value: c.pending, href: Paths.images + "?tab=pending"),
            DashboardPage.Stat(label: "Servers", value: s.count, href: Paths.servers),
            DashboardPage.Stat(label: "Containers", value: u.containers, href: Paths.files),
            DashboardPage.Stat(label: "Tasks running", value: t.tasks.count, href: Paths.tasks),
        ]
        let model = DashboardPage.Model(
            chrome: Chrome(context, title: "Dashboard", section: "Dashboard"), stats: stats, inbox: inbox, hasInbox: !inbox.isEmpty,
            inboxAcrossAccounts: context.session.verified.count > 1, activity: e.events.map(DashboardPage.activityRow), hasActivity: !e.events.isEmpty)
        return try renderer.page("dashboard", model)
    }

    /// The pending shares of every held tenant account, each labelled with its account.
    static func inbox(_ context: WebContext, services: WebServices) async throws -> [DashboardPage.InboxItem] {
        var query = ImageListQuery()
        query.onlySharedWithCaller = true
        query.memberStatus = .pending
        query.limit = 50
        var items: [DashboardPage.InboxItem] = []
        let ordered = [context.session.active] + context.session.others
        for account in ordered where account.principal.tenantID != nil {
            let page = try await services.images.list(query, for: account.principal)
            items += page.images.map {
                DashboardPage.InboxItem(
                    accountKey: account.key, accountLabel: account.label, isActiveAccount: account.key == context.session.active.key,
                    image: ImageRow($0), csrf: context.session.csrf)
            }
        }
        return items
    }
}
