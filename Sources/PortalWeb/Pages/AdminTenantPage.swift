import Foundation
import PortalDomain

/// One tenant, for admins.
enum AdminTenantPage {
    struct Model {
        let chrome: Chrome
        let ddi: String
        let name: String
        let created: String
        let tokens: [TokenRow]
        let hasTokens: Bool
        let issueAction: String
    }
}

extension AdminTenantPage.Model {
    init(_ tenant: Tenant, tokens: [TokenInfo], now: Date, context: WebContext) {
        let id = tenant.id
        self.init(
            chrome: Chrome(context, title: "Tenant \(id)", section: "Admin"), ddi: id.rawValue, name: tenant.name, created: Format.date(tenant.createdAt),
            tokens: tokens.map { TokenRow($0, now: now, current: false, csrf: context.session.csrf, revokeHref: Paths.adminTokenRevoke($0.id)) },
            hasTokens: !tokens.isEmpty, issueAction: Paths.adminTenant(id) + "/tokens")
    }
}
