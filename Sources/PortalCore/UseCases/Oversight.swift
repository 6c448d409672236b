import Foundation
package import PortalDomain

/// One page of audit events.
package struct AuditPage: Sendable {
    package var events: [AuditEvent]
    /// The marker of the next page; nil on the last page.
    package var next: Int64?
}

/// The append-only audit trail as each principal may read it: tenants the events about their
/// images, memberships and own actions; staff every event.
package struct AuditTrail: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Events the caller may see, newest first.
    package func events(_ query: AuditQuery, for principal: Principal) async throws -> AuditPage {
        let scope = AuditScope.of(principal)
        guard scope != .nothing else { return AuditPage(events: [], next: nil) }
        var events = try await core.records.events(in: scope, matching: query, limit: query.limit + 1)
        let more = events.count > query.limit
        if more { events.removeLast() }
        return AuditPage(events: events, next: more ? events.last?.id : nil)
    }
}

extension AuditTrail {
    /// Every event matching the query that the caller may see, newest first, up to `limit` (CSV downloads).
    package func export(_ query: AuditQuery, for principal: Principal, limit: Int) async throws -> [AuditEvent] {
        var query = query
        query.limit = min(AuditQuery.maxLimit, limit)
        var events: [AuditEvent] = []
        repeat {
            let page = try await self.events(query, for: principal)
            events += page.events
            query.before = page.next
        } while query.before != nil && events.count < limit
        return Array(events.prefix(limit))
    }
}

/// What support staff read across tenants (read-only): the share review and a tenant's shares.
package struct SupportReview: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Shares matching the filter, least recently answered first.
    package func shares(_ filter: ShareReviewFilter, for principal: Principal) async throws -> [ShareRow] {
        try AccountRules.requireSupport(principal)
        let cutoff = filter.olderThanDays.map { core.clock.now().addingTimeInterval(-Double($0) * 86_400) }
        return try await core.records.shares(filter, changedBefore: cutoff)
    }

    /// A tenant's images shared out (with their members) and the images shared in.
    package func tenantOverview(_ tenant: TenantID, for principal: Principal) async throws -> TenantShares {
        try AccountRules.requireSupport(principal)
        var out = ShareReviewFilter(owner: tenant)
        out.limit = 1000
        var into = ShareReviewFilter(member: tenant)
        into.limit = 1000
        return TenantShares(
            tenant: tenant, account: try await core.records.tenant(tenant), sharedOut: try await core.records.shares(out, changedBefore: nil),
            sharedIn: try await core.records.shares(into, changedBefore: nil))
    }

    /// What a support lookup names: an image (by UUID) or a tenant (by DDI).
    package func lookup(_ query: String, for principal: Principal) throws -> LookupTarget {
        try AccountRules.requireSupport(principal)
        if let id = ImageID(rawValue: query) { return .image(id) }
        if let tenant = TenantID(rawValue: query) { return .tenant(tenant) }
        throw DomainError.invalid("Enter an image ID (UUID) or a tenant ID (digits).")
    }

    /// One image for support: the image, its members, its lineage and its whole history.
    package func image(_ id: ImageID, for principal: Principal) async throws -> SupportImage {
        try AccountRules.requireSupport(principal)
        let image = try await core.authorized(id, .show, for: principal).image
        let members = image.visibility == .shared ? try await Sharing(core).members(of: id, for: principal, api: .v2) : []
        var query = AuditQuery()
        query.imageID = id
        query.limit = 500
        return SupportImage(
            image: image, owner: try await core.records.tenant(image.owner), members: members,
            lineage: try await Lineage(core).lineage(of: id, for: principal), history: try await AuditTrail(core).events(query, for: principal).events)
    }
}

/// What a support lookup found.
package enum LookupTarget: Hashable, Sendable {
    case image(ImageID)
    case tenant(TenantID)
}

/// A tenant's shares, both ways, for support.
package struct TenantShares: Sendable {
    package var tenant: TenantID
    /// Its account, if it has one (a DDI can be shared with before it has an account).
    package var account: Tenant?
    package var sharedOut: [ShareRow]
    package var sharedIn: [ShareRow]
}

/// One image as support staff review it.
package struct SupportImage: Sendable {
    package var image: Image
    /// The owner's account, if it has one.
    package var owner: Tenant?
    package var members: [Member]
    package var lineage: [LineageStep]
    package var history: [AuditEvent]
}

/// Everything the portal's image page shows, gathered by the rules that decide each part.
package struct ImageDetails: Sendable {
    package var view: ImageView
    package var lineage: [LineageStep]
    /// The member records the caller may see (all for the owner and staff, its own for a member).
    package var members: [Member]
    /// The export checklist, for the owner.
    package var checklist: [ExportCheck.Result]
    /// The owner's containers an export may write into.
    package var containers: [String]

    /// Gathers the image page of `id` for `principal`.
    package static func load(_ id: ImageID, for principal: Principal, core: CoreContext) async throws -> ImageDetails {
        let view = try await ImageCatalog(core).show(id, for: principal)
        let lineage = try await Lineage(core).lineage(of: id, for: principal)
        let members =
            view.image.visibility == .shared && (view.capabilities.seesAllMembers || view.membership != nil)
            ? try await Sharing(core).members(of: id, for: principal, api: .v2) : []
        let isOwner = view.capabilities.isOwner
        let checklist = isOwner ? try await Lineage(core).exportChecklist(id, for: principal) : []
        let containers = isOwner ? try await Files(core).containers(account: nil, for: principal).map(\.name) : []
        return ImageDetails(view: view, lineage: lineage, members: members, checklist: checklist, containers: containers)
    }
}

/// The pending shares of every tenant account a person holds, each answered as that account.
package struct Inbox: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Up to 50 pending shares per account, in the order of the accounts.
    package func pending(for principals: [Principal]) async throws -> [(principal: Principal, images: [Image])] {
        var query = ImageListQuery()
        query.onlySharedWithCaller = true
        query.memberStatus = .pending
        query.limit = 50
        var result: [(Principal, [Image])] = []
        for principal in principals where principal.tenantID != nil {
            result.append((principal, try await ImageCatalog(core).list(query, for: principal).images))
        }
        return result
    }
}

/// A tenant's dashboard: its counts, its pending shares across the accounts the person holds, and
/// the latest activity it may read.
package struct Dashboard: Sendable {
    package var counts: ImageCounts
    package var servers: Int
    package var containers: Int
    package var runningTasks: Int
    /// Pending shares per held tenant account, the active one first.
    package var inbox: [(principal: Principal, images: [Image])]
    /// The eight latest events.
    package var activity: [AuditEvent]

    /// Gathers the dashboard of `principal`, with the inboxes of the `others` accounts the person holds.
    package static func load(for principal: Principal, holding others: [Principal], core: CoreContext) async throws -> Dashboard {
        async let counts = ImageCatalog(core).counts(for: principal)
        async let servers = Compute(core).servers(for: principal)
        async let usage = Files(core).usage(account: nil, for: principal)
        async let tasks = Tasks(core, wake: {}).list(TaskQuery(status: .processing, limit: 100), for: principal)
        var recent = AuditQuery()
        recent.limit = 8
        async let events = AuditTrail(core).events(recent, for: principal)
        let inbox = try await Inbox(core).pending(for: [principal] + others)
        return Dashboard(
            counts: try await counts, servers: try await servers.count, containers: try await usage.containers,
            runningTasks: try await tasks.tasks.count, inbox: inbox, activity: try await events.events)
    }
}
