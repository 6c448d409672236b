import PortalDomain

/// "Add account".
enum AddAccountPage {
    struct Model {
        let chrome: Chrome
        let error: String?
        let ddi: String
        let staff: String
        let isStaff: Bool
    }
}
