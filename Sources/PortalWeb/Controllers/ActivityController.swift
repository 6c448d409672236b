import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalDomain
import PortalStorage

/// Activity: the audit events the active account may read (its images, memberships, actions;
/// staff: everything), filtered, paged, and downloadable as CSV.
struct ActivityController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.activity), use: list)
        group.get(RouterPath(stringLiteral: Paths.activityCSV), use: csv)
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        var query = try AuditQuery.parse(items)
        query.limit = 50
        let page = try await services.audit.events(query, for: context.principal)
        let form = Form(fields: items)
        let kept = items.filter { $0.name != "marker" }
        let model = ActivityPage.Model(
            chrome: Chrome(context, title: "Activity", section: "Activity"),
            rows: page.events.map(DashboardPage.activityRow), hasRows: !page.events.isEmpty,
            types: [ImagesPage.Option(value: "", label: "Any event", selected: form["type"] == nil)]
                + AuditEventType.allCases.map { ImagesPage.Option(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == form["type"]) },
            image: form["image"] ?? "", tenant: form["tenant"] ?? "", since: form["since"] ?? "", until: form["until"] ?? "",
            nextHref: page.next.map { Paths.activity + "?" + QueryItems.encode(kept + [("marker", String($0))]) },
            csvHref: Paths.activityCSV + (kept.isEmpty ? "" : "?" + QueryItems.encode(kept)), isStaff: context.principal.isStaff)
        return try renderer.page("activity", model)
    }

    /// The filtered events as CSV (RFC 4180, formula-safe), up to 10,000 rows, newest first.
    @Sendable func csv(_ request: Request, context: WebContext) async throws -> Response {
        var query = try AuditQuery.parse(QueryItems.parse(request.uri.query))
        query.limit = AuditQuery.maxLimit
        var out = CSV.line(["id", "at", "type", "actor", "token_id", "request_id", "image_id", "image_owner", "other_tenant", "before", "after", "detail"])
        var rows = 0
        repeat {
            let page = try await services.audit.events(query, for: context.principal)
            for event in page.events {
                out += CSV.line([
                    event.id.map(String.init) ?? "", Timestamp.iso8601(event.at), event.type.rawValue, event.actor, event.tokenID?.rawValue ?? "",
                    event.requestID, event.imageID?.rawValue ?? "", event.imageOwner?.rawValue ?? "", event.otherTenant?.rawValue ?? "",
                    event.before ?? "", event.after ?? "", event.detail ?? "",
                ])
            }
            rows += page.events.count
            query.before = page.next
        } while query.before != nil && rows < 10_000
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"activity.csv\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: out)))
    }
}

/// The activity page.
enum ActivityPage {
    struct Model {
        let chrome: Chrome
        let rows: [DashboardPage.ActivityRow]
        let hasRows: Bool
        let types: [ImagesPage.Option]
        let image: String
        let tenant: String
        let since: String
        let until: String
        let nextHref: String?
        let csvHref: String
        let isStaff: Bool
    }
}

/// Settings: the active account's API tokens — issue (shown once), list, revoke.
struct SettingsController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.settings), use: show)
        group.post(RouterPath(stringLiteral: Paths.settingsTokens), use: issue)
        group.get(RouterPath(stringLiteral: Paths.settingsIssued), use: issued)
        group.post("/settings/tokens/:tokenID/revoke", use: revoke)
    }

    private func tokens(_ context: WebContext) async throws -> [TokenInfo] {
        switch context.principal {
        case .tenant(let tenant, _): try await services.accounts.tokens(tenant: tenant)
        case .staff(let name, _): try await services.accounts.tokens(staff: name)
        }
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let now = services.clock.now()
        let rows = try await tokens(context).map { TokenRow($0, now: now, current: $0.id == context.session.active.tokenID, csrf: context.session.csrf, revokeHref: Paths.tokenRevoke($0.id)) }
        let model = SettingsPage.Model(chrome: Chrome(context, title: "Settings", section: "Settings"), account: context.session.active.label, tokens: rows, hasTokens: !rows.isEmpty)
        return try renderer.page("settings/tokens", model)
    }

    @Sendable func issue(_ request: Request, context: WebContext) async throws -> Response {
        let subject: TokenSubject
        switch context.principal {
        case .tenant(let tenant, _): subject = .tenant(tenant, role: .member)
        case .staff(let name, _): subject = .staff(name)
        }
        let expiresAt = try context.form["expires_in"].map { text throws(DomainError) in services.clock.now().addingTimeInterval(try TokenRules.duration(text)) }
        let label = context.form["label"] ?? ""
        let issued = try await services.accounts.issue(for: subject, label: label, expiresAt: expiresAt, actor: context.actor)
        let handle = try services.issuedTokens.put(issued.secret, label: "\(issued.info.id) \(label)", ownerKey: context.session.active.key, now: services.clock.now())
        return Response.redirect(to: Paths.settingsIssued + "?once=" + handle, jar: jar)
    }

    @Sendable func issued(_ request: Request, context: WebContext) async throws -> Response {
        let handle = Form(fields: QueryItems.parse(request.uri.query))["once"] ?? ""
        guard let shown = services.issuedTokens.take(handle, ownerKey: context.session.active.key, now: services.clock.now()) else {
            throw DomainError.notFound("That token was already shown, or the page expired. Tokens are shown only once: issue a new one if you did not copy it.")
        }
        let model = TokenIssuedPage.Model(chrome: Chrome(context, title: "Token issued", section: "Settings"), token: shown.secret, label: shown.label, back: Paths.settings)
        return try renderer.page("settings/token-issued", model)
    }

    @Sendable func revoke(_ request: Request, context: WebContext) async throws -> Response {
        let id = try TokenID.parse(context.parameters.get("tokenID") ?? "")
        guard let token = try await services.accounts.token(id), HeldAccount.key(of: token.principal) == context.session.active.key else {
            throw DomainError.notFound("No token \(id) on this account.")
        }
        _ = try await services.accounts.revoke(id, actor: context.actor)
        let note = id == context.session.active.tokenID ? " This session used it, so this account is now signed out." : ""
        return Response.redirect(to: Paths.settings, flash: [.success("Revoked \(id).\(note)")], jar: jar)
    }
}

/// One token, as a row.
struct TokenRow {
    let id: String
    let label: String
    let who: String
    let state: String
    let active: Bool
    let created: String
    let expires: String
    let lastUsed: String
    let current: Bool
    let csrf: String
    let revokeHref: String

    init(_ token: TokenInfo, now: Date, current: Bool, csrf: String, revokeHref: String) {
        id = token.id.rawValue
        label = token.label
        who = token.principal.label
        state = token.state(at: now)
        active = state == "active"
        created = Format.date(token.createdAt)
        expires = token.expiresAt.map(Format.date) ?? "never"
        lastUsed = token.lastUsedAt.map { Format.relative($0, now: now) } ?? "never"
        self.current = current
        self.csrf = csrf
        self.revokeHref = revokeHref
    }
}

/// Settings.
enum SettingsPage {
    struct Model {
        let chrome: Chrome
        let account: String
        let tokens: [TokenRow]
        let hasTokens: Bool
    }
}

/// The page that shows a new token once.
enum TokenIssuedPage {
    struct Model {
        let chrome: Chrome
        let token: String
        let label: String
        let back: String
    }
}
