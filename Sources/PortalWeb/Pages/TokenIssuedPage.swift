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
