import PortalDomain

/// "Sign out": this account or all.
enum SignOutPage {
    struct Model {
        let chrome: Chrome
    }
}

extension SignOutPage.Model {
    init(context: WebContext) { self.init(chrome: Chrome(context, title: "Sign out", section: "")) }
}
