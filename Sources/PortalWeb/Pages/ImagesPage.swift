import PortalAuth
import PortalCore
import PortalDomain

/// The image list with its tabs (mine, shared with me, pending, rejected, public), search, filters and paging.
enum ImagesPage {
    struct Tab {
        let label: String
        let href: String
        let current: Bool
    }

    struct Row {
        let image: ImageRow
        let answerable: Bool
        let showPending: Bool
        let showAccept: Bool
        let showReject: Bool
        let csrf: String
        let accountKey: String
        let returnPath: String
    }

    struct Model {
        let chrome: Chrome
        let tabs: [Tab]
        let tab: String
        let tabTitle: String
        let name: String
        let statuses: [Option]
        let formats: [Option]
        let sorts: [Option]
        let rows: [Row]
        let hasRows: Bool
        let answerable: Bool
        let emptyMessage: String
        let nextHref: String?
        let firstHref: String?
    }

    static let tabs: [(key: String, label: String)] = [
        ("mine", "My images"), ("shared", "Shared with me"), ("pending", "Pending"), ("rejected", "Rejected"), ("public", "Public"),
    ]

    static let sorts: [(value: String, label: String)] = [("newest", "Newest first"), ("oldest", "Oldest first"), ("name", "Name"), ("largest", "Largest first")]

    /// What the list's query string asks for.
    struct Request {
        let items: [(name: String, value: String)]
        let form: Form
        let tab: String
        let sort: String
        let query: ImageListQuery

        /// Reads the tab, search, filters, sort and page marker of the query string.
        init(query string: String?, for principal: Principal) throws {
            items = QueryItems.parse(string)
            form = Form(fields: items)
            tab = ImagesPage.tabs.map(\.key).contains(form["tab"] ?? "") ? form["tab"] ?? "mine" : "mine"
            sort = form["sort"] ?? "newest"
            var query = ImageListQuery()
            query.limit = 20
            switch tab {
            case "shared", "pending", "rejected":
                query.onlySharedWithCaller = true
                query.memberStatus = ImageListQuery.MemberStatusFilter(rawValue: tab == "shared" ? "accepted" : tab) ?? .accepted
            case "public":
                query.visibility = .only(.public)
            default:
                if let tenant = principal.tenantID { query.owners = [tenant.rawValue] }
                query.visibility = .all
            }
            query.nameContains = form["name"]
            if let status = form["status"] { query.statuses = [status] }
            if let format = form["disk_format"] { query.diskFormats = [format] }
            switch sort {
            case "oldest": query.sort = [(.createdAt, .asc)]
            case "name": query.sort = [(.name, .asc)]
            case "largest": query.sort = [(.size, .desc)]
            default: query.sort = [(.createdAt, .desc)]
            }
            if let marker = form["marker"] {
                guard let id = ImageID(rawValue: marker) else { throw DomainError.invalid("That page link is not valid.") }
                query.marker = id
            }
            self.query = query
        }
    }

    static func emptyMessage(_ tab: String) -> String {
        switch tab {
        case "shared": "No accepted shares. Images other accounts share with you appear under Pending until you accept them."
        case "pending": "Nothing is waiting for your answer."
        case "rejected": "You have not rejected any shares."
        case "public": "No public images."
        default: "You have no images yet. Import one, or snapshot a server."
        }
    }
}

extension ImagesPage.Model {
    init(_ page: ImagePage, request: ImagesPage.Request, context: WebContext) {
        let tab = request.tab
        let form = request.form
        let kept = request.items.filter { $0.name != "marker" }
        let answerable = tab == "pending" || tab == "rejected" || tab == "shared"
        let returnPath = Paths.images + (kept.isEmpty ? "" : "?" + QueryItems.encode(kept))
        let rows = page.images.map { image in
            ImagesPage.Row(
                image: ImageRow(image), answerable: answerable, showPending: tab == "rejected" || tab == "shared", showAccept: tab != "shared",
                showReject: tab != "rejected", csrf: context.session.csrf, accountKey: context.session.active.key, returnPath: returnPath)
        }
        self.init(
            chrome: Chrome(context, title: "Images", section: "Images"),
            tabs: ImagesPage.tabs.map { ImagesPage.Tab(label: $0.label, href: Paths.images + "?tab=" + $0.key, current: $0.key == tab) },
            tab: tab, tabTitle: ImagesPage.tabs.first { $0.key == tab }?.label ?? "", name: form["name"] ?? "",
            statuses: Option.list([("", "Any status")] + ["queued", "saving", "active", "deactivated"].map { ($0, $0) }, current: form["status"]),
            formats: Option.list([("", "Any format")] + DiskFormat.allCases.map { ($0.rawValue, $0.rawValue) }, current: form["disk_format"]),
            sorts: Option.list(ImagesPage.sorts, current: request.sort), rows: rows, hasRows: !rows.isEmpty, answerable: answerable,
            emptyMessage: ImagesPage.emptyMessage(tab),
            nextHref: page.nextMarker.map { Paths.images + "?" + QueryItems.encode(kept + [("marker", $0.rawValue)]) },
            firstHref: request.query.marker == nil ? nil : returnPath)
    }
}
