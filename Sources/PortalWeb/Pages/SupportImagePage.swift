import PortalCore
import PortalDomain

/// One image, for support.
enum SupportImagePage {
    struct Model {
        let chrome: Chrome
        let image: ImageRow
        let ownerName: String
        let ownerHref: String
        let origin: String
        let members: [SupportPage.MemberView]
        let hasMembers: Bool
        let lineage: [SupportPage.LineageView]
        let hasLineage: Bool
        let history: [ActivityRow]
        let hasHistory: Bool
    }
}

extension SupportImagePage.Model {
    init(_ support: SupportImage, context: WebContext) {
        let image = support.image
        self.init(
            chrome: Chrome(context, title: "Image \(image.id)", section: "Support"), image: ImageRow(image), ownerName: support.owner?.name ?? "",
            ownerHref: Paths.supportTenant(image.owner), origin: ImageRow.origin(image.origin),
            members: support.members.map {
                SupportPage.MemberView(ddi: $0.memberID.rawValue, href: Paths.supportTenant($0.memberID), status: $0.status.rawValue, since: Format.date($0.updatedAt))
            },
            hasMembers: !support.members.isEmpty,
            lineage: support.lineage.map {
                SupportPage.LineageView(id: $0.imageID.rawValue, href: Paths.supportImage($0.imageID), owner: $0.owner.rawValue, status: $0.status.rawValue)
            },
            hasLineage: !support.lineage.isEmpty, history: support.history.map(ActivityRow.init), hasHistory: !support.history.isEmpty)
    }
}
