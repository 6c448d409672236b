import PortalCore
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

extension AddAccountPage.Model {
    /// The form again, with what was typed (never the token) and why it was refused.
    init(_ attempt: SignInAttempt, error: DomainError, context: WebContext) {
        self.init(
            chrome: Chrome(context, title: "Add account", section: ""), error: error.message, ddi: attempt.ddi, staff: attempt.staff,
            isStaff: attempt.kind == .staff)
    }
}

extension AddAccountPage.Model {
    /// The empty form.
    init(context: WebContext) {
        self.init(chrome: Chrome(context, title: "Add account", section: ""), error: nil, ddi: "", staff: "", isStaff: false)
    }
}
