import PortalAuth
import PortalCore
import PortalDomain

/// The activity page.
enum ActivityPage {
    struct Model {
        let chrome: Chrome
        let rows: [ActivityRow]
        let hasRows: Bool
        let types: [Option]
        let image: String
        let tenant: String
        let since: String
        let until: String
        let nextHref: String?
        let csvHref: String
        let isStaff: Bool
    }
}

extension ActivityPage.Model {
    init(_ page: AuditPage, query items: [(name: String, value: String)], context: WebContext) {
        let form = Form(fields: items)
        let kept = items.filter { $0.name != "marker" }
        self.init(
            chrome: Chrome(context, title: "Activity", section: "Activity"), rows: page.events.map(ActivityRow.init), hasRows: !page.events.isEmpty,
            types: Option.list([("", "Any event")] + AuditEventType.allCases.map { ($0.rawValue, $0.rawValue) }, current: form["type"]),
            image: form["image"] ?? "", tenant: form["tenant"] ?? "", since: form["since"] ?? "", until: form["until"] ?? "",
            nextHref: page.next.map { Paths.activity + "?" + QueryItems.encode(kept + [("marker", String($0))]) },
            csvHref: Paths.activityCSV + (kept.isEmpty ? "" : "?" + QueryItems.encode(kept)), isStaff: context.principal.isStaff)
    }
}

/// The activity as CSV (RFC 4180, formula-safe): the same events, one line each.
enum ActivityCSV {
    static let header = CSV.line(["id", "at", "type", "actor", "token_id", "request_id", "image_id", "image_owner", "other_tenant", "before", "after", "detail"])

    /// The whole document: the header, then one line per event.
    static func document(_ events: [AuditEvent]) -> String {
        events.reduce(into: header) { $0 += line($1) }
    }

    static func line(_ event: AuditEvent) -> String {
        func json(_ fields: AuditFields?) -> String { fields.map { JSONValue.object($0).jsonText } ?? "" }
        return CSV.line([
            event.id.map(String.init) ?? "", Timestamp.iso8601(event.at), event.type.rawValue, event.actor, event.tokenID?.rawValue ?? "",
            event.requestID, event.imageID?.rawValue ?? "", event.imageOwner?.rawValue ?? "", event.otherTenant?.rawValue ?? "",
            json(event.before), json(event.after), event.detail ?? "",
        ])
    }
}
