import PortalDomain

/// Admin pages.
enum AdminPage {
    struct TenantRow {
        let ddi: String
        let name: String
        let href: String
        let created: String
    }

    struct StaffRow {
        let name: String
        let role: String
        let created: String
    }

    struct Model {
        let chrome: Chrome
        let tenants: [TenantRow]
        let hasTenants: Bool
        let staff: [StaffRow]
    }
}

extension AdminPage.Model {
    init(tenants: [Tenant], staff: [StaffAccount], context: WebContext) {
        self.init(
            chrome: Chrome(context, title: "Admin", section: "Admin"),
            tenants: tenants.map { AdminPage.TenantRow(ddi: $0.id.rawValue, name: $0.name, href: Paths.adminTenant($0.id), created: Format.date($0.createdAt)) },
            hasTenants: !tenants.isEmpty, staff: staff.map { AdminPage.StaffRow(name: $0.name.rawValue, role: $0.role.rawValue, created: Format.date($0.createdAt)) })
    }
}
