import PortalCore
import PortalDomain

/// Files: the tenant's containers.
enum FilesPage {
    struct ContainerRow {
        let name: String
        let href: String
        let objects: Int
        let bytes: String
        let modified: String
    }

    struct Model {
        let chrome: Chrome
        let containers: [ContainerRow]
        let hasContainers: Bool
    }
}

extension FilesPage.Model {
    init(_ containers: [ContainerSummary], context: WebContext) {
        self.init(
            chrome: Chrome(context, title: "Files", section: "Files"),
            containers: containers.map {
                FilesPage.ContainerRow(
                    name: $0.name, href: Paths.container($0.name), objects: $0.objectCount, bytes: ByteFormat.size($0.bytes), modified: Format.date($0.lastModified))
            }, hasContainers: !containers.isEmpty)
    }
}
