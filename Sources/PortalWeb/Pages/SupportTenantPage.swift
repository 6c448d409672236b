import Foundation
import PortalCore
import PortalDomain

/// One tenant, for support.
enum SupportTenantPage {
    struct Model {
        let chrome: Chrome
        let ddi: String
        let name: String
        let hasAccount: Bool
        let sharedOut: [SupportPage.ShareRowView]
        let hasSharedOut: Bool
        let sharedIn: [SupportPage.ShareRowView]
        let hasSharedIn: Bool
    }
}

extension SupportTenantPage.Model {
    init(_ shares: TenantShares, now: Date, context: WebContext) {
        let id = shares.tenant
        self.init(
            chrome: Chrome(context, title: "Tenant \(id)", section: "Support"), ddi: id.rawValue, name: shares.account?.name ?? "", hasAccount: shares.account != nil,
            sharedOut: shares.sharedOut.map { SupportPage.ShareRowView($0, now: now) }, hasSharedOut: !shares.sharedOut.isEmpty,
            sharedIn: shares.sharedIn.map { SupportPage.ShareRowView($0, now: now) }, hasSharedIn: !shares.sharedIn.isEmpty)
    }
}
