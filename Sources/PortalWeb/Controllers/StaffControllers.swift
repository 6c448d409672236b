import Foundation
import Hummingbird
import PortalAuth
import PortalDomain
import PortalStorage

/// Admin (admin staff only): tenants and their tokens.
struct AdminController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.admin), use: index)
        group.post(RouterPath(stringLiteral: Paths.adminTenants), use: addTenant)
        group.get("/admin/tenants/:ddi", use: tenant)
        group.post("/admin/tenants/:ddi/tokens", use: issue)
        group.post("/admin/tokens/:tokenID/revoke", use: revoke)
    }

    /// Admin pages exist only for admin staff (404 for everyone else: no oracle).
    private func requireAdmin(_ context: WebContext) throws {
        guard case .staff(_, .admin) = context.principal else { throw DomainError.notFound("No such page.") }
    }

    @Sendable func index(_ request: Request, context: WebContext) async throws -> Response {
        try requireAdmin(context)
        let tenants = try await services.accounts.allTenants()
        let staff = try await services.accounts.allStaff()
        let model = AdminPage.Model(
            chrome: Chrome(context, title: "Admin", section: "Admin"),
            tenants: tenants.map { AdminPage.TenantRow(ddi: $0.id.rawValue, name: $0.name, href: Paths.adminTenant($0.id), created: Format.date($0.createdAt)) },
            hasTenants: !tenants.isEmpty, staff: staff.map { AdminPage.StaffRow(name: $0.name.rawValue, role: $0.role.rawValue, created: Format.date($0.createdAt)) })
        return try renderer.page("admin/index", model)
    }

    @Sendable func addTenant(_ request: Request, context: WebContext) async throws -> Response {
        try requireAdmin(context)
        let id = try TenantID.parse(context.form["ddi"] ?? "")
        _ = try await services.accounts.addTenant(id, name: context.form["name"] ?? "", actor: context.actor)
        return Response.redirect(to: Paths.adminTenant(id), flash: [.success("Added tenant \(id).")], jar: jar)
    }

    @Sendable func tenant(_ request: Request, context: WebContext) async throws -> Response {
        try requireAdmin(context)
        let id = try TenantID.parse(context.parameters.get("ddi") ?? "")
        guard let tenant = try await services.accounts.tenant(id) else { throw DomainError.notFound("No tenant \(id).") }
        let now = services.clock.now()
        let tokens = try await services.accounts.tokens(tenant: id)
        let model = AdminTenantPage.Model(
            chrome: Chrome(context, title: "Tenant \(id)", section: "Admin"), ddi: id.rawValue, name: tenant.name, created: Format.date(tenant.createdAt),
            tokens: tokens.map { TokenRow($0, now: now, current: false, csrf: context.session.csrf, revokeHref: Paths.adminTokenRevoke($0.id)) },
            hasTokens: !tokens.isEmpty, issueAction: Paths.adminTenant(id) + "/tokens")
        return try renderer.page("admin/tenant", model)
    }

    @Sendable func issue(_ request: Request, context: WebContext) async throws -> Response {
        try requireAdmin(context)
        let id = try TenantID.parse(context.parameters.get("ddi") ?? "")
        let role = TenantRole(rawValue: context.form["role"] ?? "member") ?? .member
        let expiresAt = try context.form["expires_in"].map { text throws(DomainError) in services.clock.now().addingTimeInterval(try TokenRules.duration(text)) }
        let label = context.form["label"] ?? ""
        let issued = try await services.accounts.issue(for: .tenant(id, role: role), label: label, expiresAt: expiresAt, actor: context.actor)
        let handle = try services.issuedTokens.put(
            issued.secret, label: "\(issued.info.id) for tenant \(id) (\(role.rawValue)) \(label)", ownerKey: context.session.active.key, now: services.clock.now())
        return Response.redirect(to: Paths.settingsIssued + "?once=" + handle, jar: jar)
    }

    @Sendable func revoke(_ request: Request, context: WebContext) async throws -> Response {
        try requireAdmin(context)
        let id = try TokenID.parse(context.parameters.get("tokenID") ?? "")
        let info = try await services.accounts.revoke(id, actor: context.actor)
        let back = info.principal.tenantID.map(Paths.adminTenant) ?? Paths.admin
        return Response.redirect(to: back, flash: [.success("Revoked \(id); its API calls and browser sessions end at once.")], jar: jar)
    }
}

/// Admin pages.
enum AdminPage {
    struct TenantRow {
        let ddi: String
        let name: String
        let href: String
        let created: String
    }

    struct StaffRow {
        let name: String
        let role: String
        let created: String
    }

    struct Model {
        let chrome: Chrome
        let tenants: [TenantRow]
        let hasTenants: Bool
        let staff: [StaffRow]
    }
}

/// One tenant, for admins.
enum AdminTenantPage {
    struct Model {
        let chrome: Chrome
        let ddi: String
        let name: String
        let created: String
        let tokens: [TokenRow]
        let hasTokens: Bool
        let issueAction: String
    }
}

/// Support (support and admin staff): read-only review of shares across tenants.
struct SupportController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.support), use: index)
        group.get(RouterPath(stringLiteral: Paths.supportLookup), use: lookup)
        group.get(RouterPath(stringLiteral: Paths.supportShares), use: index)
        group.get("/support/images/:imageID", use: image)
        group.get("/support/tenants/:ddi", use: tenant)
    }

    private func requireStaff(_ context: WebContext) throws {
        guard context.principal.readsAcrossTenants else { throw DomainError.notFound("No such page.") }
    }

    /// The lookup form and the share-review list with its filters.
    @Sendable func index(_ request: Request, context: WebContext) async throws -> Response {
        try requireStaff(context)
        let form = Form(fields: QueryItems.parse(request.uri.query))
        var filter = ShareReviewFilter()
        filter.owner = try form["owner"].map { text throws(DomainError) in try TenantID.parse(text) }
        filter.member = try form["member"].map { text throws(DomainError) in try TenantID.parse(text) }
        filter.status = try form["status"].map { text throws(DomainError) in try MemberStatus.parse(text) }
        filter.olderThanDays = try form["older_than"].map { text throws(DomainError) in
            guard let days = Int(text), days >= 0 else { throw .invalid("'Unanswered for' is a number of days.") }
            return days
        }
        filter.minMembers = try form["min_members"].map { text throws(DomainError) in
            guard let count = Int(text), count > 0 else { throw .invalid("'Shared with at least' is a number of tenants.") }
            return count
        }
        let rows = try await services.support.shareReview(filter, for: context.principal)
        let now = services.clock.now()
        let statuses = ["", "pending", "accepted", "rejected"].map {
            ImagesPage.Option(value: $0, label: $0.isEmpty ? "Any status" : $0, selected: $0 == (form["status"] ?? ""))
        }
        let model = SupportPage.Model(
            chrome: Chrome(context, title: "Support", section: "Support"), rows: rows.map { SupportPage.ShareRowView($0, now: now) }, hasRows: !rows.isEmpty,
            owner: form["owner"] ?? "", member: form["member"] ?? "", olderThan: form["older_than"] ?? "", minMembers: form["min_members"] ?? "",
            statuses: statuses)
        return try renderer.page("support/index", model)
    }

    @Sendable func lookup(_ request: Request, context: WebContext) async throws -> Response {
        try requireStaff(context)
        let query = Form(fields: QueryItems.parse(request.uri.query))["q"] ?? ""
        if let id = ImageID(rawValue: query) { return Response(status: .seeOther, headers: [.location: Paths.supportImage(id)]) }
        if let tenant = TenantID(rawValue: query) { return Response(status: .seeOther, headers: [.location: Paths.supportTenant(tenant)]) }
        throw DomainError.invalid("Enter an image ID (UUID) or a tenant ID (digits).")
    }

    /// One image with its owner, members, lineage and full sharing history.
    @Sendable func image(_ request: Request, context: WebContext) async throws -> Response {
        try requireStaff(context)
        let text = context.parameters.get("imageID") ?? ""
        guard let id = ImageID(rawValue: text) else { throw DomainError.notFound("No image with ID \(text.prefix(64)).") }
        let image = try await services.images.find(id, for: context.principal).image
        let members = image.visibility == .shared ? try await services.images.members(of: id, for: context.principal) : []
        let lineage = try await services.images.lineage(of: id, for: context.principal)
        var query = AuditQuery()
        query.imageID = id
        query.limit = 500
        let history = try await services.audit.events(query, for: context.principal)
        let tenant = try await services.accounts.tenant(image.owner)
        let model = SupportImagePage.Model(
            chrome: Chrome(context, title: "Image \(id)", section: "Support"), image: ImageRow(image), ownerName: tenant?.name ?? "",
            ownerHref: Paths.supportTenant(image.owner), origin: ImageDetailPage.origin(image.origin),
            members: members.map {
                SupportPage.MemberView(ddi: $0.memberID.rawValue, href: Paths.supportTenant($0.memberID), status: $0.status.rawValue, since: Format.date($0.updatedAt))
            },
            hasMembers: !members.isEmpty,
            lineage: lineage.map { SupportPage.LineageView(id: $0.imageID.rawValue, href: Paths.supportImage($0.imageID), owner: $0.owner.rawValue, status: $0.status.rawValue) },
            hasLineage: !lineage.isEmpty, history: history.events.map(DashboardPage.activityRow), hasHistory: !history.events.isEmpty)
        return try renderer.page("support/image", model)
    }

    /// One tenant's images shared out and shared in.
    @Sendable func tenant(_ request: Request, context: WebContext) async throws -> Response {
        try requireStaff(context)
        let id = try TenantID.parse(context.parameters.get("ddi") ?? "")
        let overview = try await services.support.tenantOverview(id, for: context.principal)
        let tenant = try await services.accounts.tenant(id)
        let now = services.clock.now()
        let model = SupportTenantPage.Model(
            chrome: Chrome(context, title: "Tenant \(id)", section: "Support"), ddi: id.rawValue, name: tenant?.name ?? "", hasAccount: tenant != nil,
            sharedOut: overview.sharedOut.map { SupportPage.ShareRowView($0, now: now) }, hasSharedOut: !overview.sharedOut.isEmpty,
            sharedIn: overview.sharedIn.map { SupportPage.ShareRowView($0, now: now) }, hasSharedIn: !overview.sharedIn.isEmpty)
        return try renderer.page("support/tenant", model)
    }
}

/// Support pages.
enum SupportPage {
    struct ShareRowView {
        let imageID: String
        let imageHref: String
        let imageName: String
        let owner: String
        let ownerHref: String
        let member: String
        let memberHref: String
        let status: String
        let age: String
        let memberCount: Int
        let neverRemoved: Bool

        init(_ row: ShareRow, now: Date) {
            imageID = row.image.id.rawValue
            imageHref = Paths.supportImage(row.image.id)
            imageName = row.image.name ?? "(unnamed)"
            owner = row.image.owner.rawValue
            ownerHref = Paths.supportTenant(row.image.owner)
            member = row.member.memberID.rawValue
            memberHref = Paths.supportTenant(row.member.memberID)
            status = row.member.status.rawValue
            age = Format.relative(row.member.updatedAt, now: now)
            memberCount = row.memberCount
            neverRemoved = row.member.status == .rejected
        }
    }

    struct MemberView {
        let ddi: String
        let href: String
        let status: String
        let since: String
    }

    struct LineageView {
        let id: String
        let href: String
        let owner: String
        let status: String
    }

    struct Model {
        let chrome: Chrome
        let rows: [ShareRowView]
        let hasRows: Bool
        let owner: String
        let member: String
        let olderThan: String
        let minMembers: String
        let statuses: [ImagesPage.Option]
    }
}

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
        let history: [DashboardPage.ActivityRow]
        let hasHistory: Bool
    }
}

/// One tenant, for support.
enum SupportTenantPage {
    struct Model {
        let chrome: Chrome
        let ddi: String
        let name: String
        let hasAccount: Bool
        let sharedOut: [SupportPage.ShareRowView]
        let hasSharedOut: Bool
        let sharedIn: [SupportPage.ShareRowView]
        let hasSharedIn: Bool
    }
}
