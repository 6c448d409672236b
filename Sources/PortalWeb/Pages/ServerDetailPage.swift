import PortalDomain

/// One server.
enum ServerDetailPage {
    struct Model {
        let chrome: Chrome
        let server: ServersPage.Row
    }
}

extension ServerDetailPage.Model {
    init(_ server: Server, context: WebContext) {
        self.init(chrome: Chrome(context, title: server.name, section: "Servers"), server: ServersPage.Row(server))
    }
}
