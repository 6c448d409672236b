import PortalDomain

/// The sign-in page.
enum LoginPage {
    struct Model {
        let csrf: String
        let next: String
        let isStaff: Bool
        let ddi: String
        let staff: String
        let error: String?
        let flashes: [Flash]
    }
}
