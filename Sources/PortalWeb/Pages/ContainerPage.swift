import PortalCore
import PortalDomain

/// One container: its objects, the upload form, deletion.
enum ContainerPage {
    struct ObjectRow {
        let name: String
        let href: String
        let size: String
        let etag: String
        let modified: String
        let exportedFrom: String?
        let csrf: String
        let deleteAction: String
    }

    struct Model {
        let chrome: Chrome
        let name: String
        let objects: [ObjectRow]
        let hasObjects: Bool
        let count: Int
        let bytes: String
        let uploadAction: String
        let deleteAction: String
        let maxSize: String
    }
}

extension ContainerPage.Model {
    init(_ container: ContainerSummary, entries: [ListingEntry], uploadLimit: Int64, context: WebContext) {
        let name = container.name
        let rows = entries.compactMap { entry -> ContainerPage.ObjectRow? in
            guard case .object(let object) = entry else { return nil }
            return ContainerPage.ObjectRow(
                name: object.name, href: Paths.object(name, object.name), size: ByteFormat.size(object.size), etag: object.etag,
                modified: Format.date(object.lastModified), exportedFrom: object.sourceImage?.rawValue, csrf: context.session.csrf,
                deleteAction: Paths.container(name, "object/delete"))
        }
        self.init(
            chrome: Chrome(context, title: name, section: "Files"), name: name, objects: rows, hasObjects: !rows.isEmpty, count: container.objectCount,
            bytes: ByteFormat.size(container.bytes), uploadAction: Paths.container(name, "upload") + "?_csrf=" + Paths.segment(context.session.csrf),
            deleteAction: Paths.container(name, "delete"), maxSize: ByteFormat.size(uploadLimit))
    }
}
