import Foundation
import PortalDomain

/// What the layout shows around every signed-in page: title, navigation, the account switcher,
/// flash messages and the CSRF token for forms.
struct Chrome {
    struct NavItem {
        let href: String
        let label: String
        let current: Bool
    }

    struct AccountItem {
        let key: String
        let label: String
        let kind: String
    }

    let title: String
    let csrf: String
    let nav: [NavItem]
    let active: AccountItem
    let others: [AccountItem]
    let hasOthers: Bool
    let canAddAccount: Bool
    let flashes: [Flash]
    let hasFlashes: Bool
    let isTenant: Bool
    let isStaff: Bool

    /// Builds the chrome for a page in `section` (the nav item to mark current).
    init(_ context: WebContext, title: String, section: String) {
        self.title = title
        csrf = context.session.csrf
        let principal = context.principal
        let items: [(String, String)]
        switch principal {
        case .tenant:
            items = [
                (Paths.dashboard, "Dashboard"), (Paths.images, "Images"), (Paths.importPage, "Import"), (Paths.servers, "Servers"),
                (Paths.files, "Files"), (Paths.tasks, "Tasks"), (Paths.activity, "Activity"), (Paths.settings, "Settings"),
            ]
        case .staff(_, .admin):
            items = [(Paths.admin, "Admin"), (Paths.support, "Support"), (Paths.activity, "Activity"), (Paths.settings, "Settings")]
        case .staff(_, .support):
            items = [(Paths.support, "Support"), (Paths.activity, "Activity"), (Paths.settings, "Settings")]
        }
        nav = items.map { NavItem(href: $0.0, label: $0.1, current: $0.1 == section) }
        let kind: (WebAccount) -> String = { $0.principal.isStaff ? "staff" : "tenant" }
        active = AccountItem(key: context.session.active.key, label: context.session.active.label, kind: kind(context.session.active))
        others = context.session.others.map { AccountItem(key: $0.key, label: $0.label, kind: kind($0)) }
        hasOthers = !others.isEmpty
        canAddAccount = context.session.verified.count < AccountSet.limit
        flashes = context.session.flashes
        hasFlashes = !flashes.isEmpty
        isTenant = principal.tenantID != nil
        isStaff = principal.isStaff
    }
}
