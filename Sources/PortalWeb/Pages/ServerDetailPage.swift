import PortalDomain

/// One server.
enum ServerDetailPage {
    struct Model {
        let chrome: Chrome
        let server: ServersPage.Row
    }
}
