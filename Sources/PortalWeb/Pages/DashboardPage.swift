import PortalCore
import PortalDomain

/// The dashboard: counts, the pending-share inbox of every held account, recent activity.
enum DashboardPage {
    struct Stat {
        let label: String
        let value: Int
        let href: String
    }

    struct InboxItem {
        let accountKey: String
        let accountLabel: String
        let isActiveAccount: Bool
        let image: ImageRow
        let csrf: String
    }

    struct Model {
        let chrome: Chrome
        let stats: [Stat]
        let inbox: [InboxItem]
        let hasInbox: Bool
        let inboxAcrossAccounts: Bool
        let activity: [ActivityRow]
        let hasActivity: Bool
    }
}

extension DashboardPage.Model {
    init(_ dashboard: Dashboard, context: WebContext) {
        let c = dashboard.counts
        let stats = [
            DashboardPage.Stat(label: "My images", value: c.owned, href: Paths.images + "?tab=mine"),
            DashboardPage.Stat(label: "Shared with me", value: c.accepted, href: Paths.images + "?tab=shared"),
            DashboardPage.Stat(label: "Awaiting my answer", value: c.pending, href: Paths.images + "?tab=pending"),
            DashboardPage.Stat(label: "Servers", value: dashboard.servers, href: Paths.servers),
            DashboardPage.Stat(label: "Containers", value: dashboard.containers, href: Paths.files),
            DashboardPage.Stat(label: "Tasks running", value: dashboard.runningTasks, href: Paths.tasks),
        ]
        let session = context.session
        let inbox = dashboard.inbox.flatMap { entry in
            let account = session.verified.first { $0.principal == entry.principal } ?? session.active
            return entry.images.map {
                DashboardPage.InboxItem(
                    accountKey: account.key, accountLabel: account.label, isActiveAccount: account.key == session.active.key, image: ImageRow($0),
                    csrf: session.csrf)
            }
        }
        self.init(
            chrome: Chrome(context, title: "Dashboard", section: "Dashboard"), stats: stats, inbox: inbox, hasInbox: !inbox.isEmpty,
            inboxAcrossAccounts: session.verified.count > 1, activity: dashboard.activity.map(ActivityRow.init), hasActivity: !dashboard.activity.isEmpty)
    }
}
