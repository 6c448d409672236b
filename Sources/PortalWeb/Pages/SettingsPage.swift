import Foundation
import PortalDomain

/// Settings.
enum SettingsPage {
    struct Model {
        let chrome: Chrome
        let account: String
        let tokens: [TokenRow]
        let hasTokens: Bool
    }
}

extension SettingsPage.Model {
    init(_ tokens: [TokenInfo], now: Date, context: WebContext) {
        let session = context.session
        let rows = tokens.map { TokenRow($0, now: now, current: $0.id == session.active.tokenID, csrf: session.csrf, revokeHref: Paths.tokenRevoke($0.id)) }
        self.init(chrome: Chrome(context, title: "Settings", section: "Settings"), account: session.active.label, tokens: rows, hasTokens: !rows.isEmpty)
    }
}
