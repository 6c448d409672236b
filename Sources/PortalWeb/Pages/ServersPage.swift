import PortalDomain

/// The server list.
enum ServersPage {
    struct Row {
        let id: String
        let href: String
        let name: String
        let status: String
        let imageID: String
        let imageHref: String
        let disk: String
        let created: String

        init(_ server: Server) {
            id = server.id.rawValue
            href = Paths.server(server.id)
            name = server.name
            status = server.status
            imageID = server.imageID.rawValue
            imageHref = Paths.image(server.imageID)
            disk = Format.size(server.diskSize)
            created = Format.date(server.createdAt)
        }
    }

    struct Model {
        let chrome: Chrome
        let servers: [Row]
        let hasServers: Bool
        let imageRef: String
    }
}

extension ServersPage.Model {
    init(_ servers: [Server], imageRef: String, context: WebContext) {
        self.init(chrome: Chrome(context, title: "Servers", section: "Servers"), servers: servers.map(ServersPage.Row.init), hasServers: !servers.isEmpty, imageRef: imageRef)
    }
}
