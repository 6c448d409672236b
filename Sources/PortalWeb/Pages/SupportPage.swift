import Foundation
import PortalDomain

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
        let statuses: [Option]
    }
}

extension SupportPage {
    /// The share-review filters of the query string.
    static func filter(_ form: Form) throws(DomainError) -> ShareReviewFilter {
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
        return filter
    }
}

extension SupportPage.Model {
    init(_ rows: [ShareRow], form: Form, now: Date, context: WebContext) {
        self.init(
            chrome: Chrome(context, title: "Support", section: "Support"), rows: rows.map { SupportPage.ShareRowView($0, now: now) }, hasRows: !rows.isEmpty,
            owner: form["owner"] ?? "", member: form["member"] ?? "", olderThan: form["older_than"] ?? "", minMembers: form["min_members"] ?? "",
            statuses: Option.list([("", "Any status")] + ["pending", "accepted", "rejected"].map { ($0, $0) }, current: form["status"]))
    }
}
