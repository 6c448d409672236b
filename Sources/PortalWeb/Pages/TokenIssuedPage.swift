import PortalDomain

/// The page that shows a new token once.
enum TokenIssuedPage {
    struct Model {
        let chrome: Chrome
        let token: String
        let label: String
        let back: String
    }
}

extension TokenIssuedPage.Model {
    /// The page that shows a new token once, then never again.
    init(secret: String, label: String, context: WebContext) {
        self.init(chrome: Chrome(context, title: "Token issued", section: "Settings"), token: secret, label: label, back: Paths.settings)
    }
}
