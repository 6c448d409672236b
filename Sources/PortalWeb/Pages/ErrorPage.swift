import PortalDomain

/// The error page.
enum ErrorPage {
    struct Model {
        let code: Int
        let reason: String
        let message: String
        let requestID: String
        let signIn: Bool
    }
}
