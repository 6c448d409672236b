import PortalDomain

/// "Sign out": this account or all.
enum SignOutPage {
    struct Model {
        let chrome: Chrome
    }
}
