package import Foundation

/// Filters for reading the audit trail.
package struct AuditQuery: Hashable, Sendable {
    package var imageID: ImageID?
    /// Events concerning this tenant (as owner, member or actor).
    package var tenant: TenantID?
    /// Events by this actor: a tenant ID or a staff name.
    package var actor: String?
    package var type: AuditEventType?
    package var since: Date?
    package var until: Date?
    package var limit = 50
    /// Keyset: only events older than this ID.
    package var before: Int64?

    package init() {}

    /// Largest page.
    package static let maxLimit = 1000

    /// Parses `image`, `tenant`, `actor`, `type`, `since`, `until`, `limit`, `marker`.
    package static func parse(_ items: [(name: String, value: String)]) throws(DomainError) -> AuditQuery {
        var query = AuditQuery()
        for (name, value) in items where !value.isEmpty {
            switch name {
            case "image", "image_id": query.imageID = try ImageID.parse(value)
            case "tenant": query.tenant = try TenantID.parse(value)
            case "actor": query.actor = value
            case "type":
                guard let type = AuditEventType(rawValue: value) else {
                    throw .invalid("Unknown event type '\(value.prefix(64))'. Known types: \(AuditEventType.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                query.type = type
            case "since", "from":
                guard let date = Timestamp.parse(value) else { throw .invalid("Invalid time '\(value.prefix(64))' for '\(name)': use ISO 8601.") }
                query.since = date
            case "until", "to":
                guard let date = Timestamp.parse(value) else { throw .invalid("Invalid time '\(value.prefix(64))' for '\(name)': use ISO 8601.") }
                query.until = date
            case "limit":
                guard let limit = Int(value), limit >= 0 else { throw .invalid("limit must be a non-negative integer.") }
                query.limit = min(limit, maxLimit)
            case "marker", "before":
                guard let id = Int64(value), id > 0 else { throw .invalid("Invalid marker '\(value.prefix(32))'.") }
                query.before = id
            default:
                break
            }
        }
        return query
    }
}

/// A page of tasks.
package struct TaskQuery: Hashable, Sendable {
    package var type: TaskType?
    package var status: TaskStatus?
    package var limit: Int = 25
    package var marker: TaskID?

    package init(type: TaskType? = nil, status: TaskStatus? = nil, limit: Int = 25, marker: TaskID? = nil) {
        self.type = type
        self.status = status
        self.limit = limit
        self.marker = marker
    }

    /// Parses `type`, `status`, `limit`, `marker` (Glance's task list filters).
    package static func parse(_ items: [(name: String, value: String)]) throws(DomainError) -> TaskQuery {
        var query = TaskQuery()
        for (name, value) in items {
            switch name {
            case "type":
                guard let type = TaskType(rawValue: value) else { throw .invalid("Invalid type value: \(value.prefix(32)). Use import or export.") }
                query.type = type
            case "status":
                guard let status = TaskStatus(rawValue: value) else {
                    throw .invalid("Invalid status value: \(value.prefix(32)). Use pending, processing, success or failure.")
                }
                query.status = status
            case "limit":
                guard let limit = Int(value), limit >= 0 else { throw .invalid("limit param must be a non-negative integer") }
                query.limit = min(limit, 1000)
            case "marker":
                guard let marker = TaskID(rawValue: value) else { throw .invalid("Invalid marker: \(value.prefix(64)).") }
                query.marker = marker
            case "sort_key", "sort_dir":
                break
            default:
                break
            }
        }
        return query
    }
}

/// Filters of the support share-review list.
package struct ShareReviewFilter: Hashable, Sendable {
    package var owner: TenantID?
    package var member: TenantID?
    package var status: MemberStatus?
    /// Only shares whose member status has not changed for at least this many days.
    package var olderThanDays: Int?
    /// Only images shared with at least this many tenants.
    package var minMembers: Int?
    package var limit = 200

    package init(owner: TenantID? = nil, member: TenantID? = nil, status: MemberStatus? = nil, olderThanDays: Int? = nil, minMembers: Int? = nil) {
        self.owner = owner
        self.member = member
        self.status = status
        self.olderThanDays = olderThanDays
        self.minMembers = minMembers
    }
}

/// One share: an image, one of its members, and how many members the image has.
package struct ShareRow: Hashable, Sendable {
    package var image: Image
    package var member: Member
    package var memberCount: Int

    package init(image: Image, member: Member, memberCount: Int) {
        self.image = image
        self.member = member
        self.memberCount = memberCount
    }
}

/// One byte range of a `Range: bytes=...` header.
package enum ByteRange: Hashable, Sendable {
    /// `bytes=first-last` (last optional).
    case from(Int64, through: Int64?)
    /// `bytes=-n`: the last n bytes.
    case suffix(Int64)

    /// Parses a single-range header; multiple ranges or malformed text give nil.
    package static func parse(_ header: String) -> ByteRange? {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let count = Int64(last), count > 0 else { return nil }
            return .suffix(count)
        }
        guard let start = Int64(first), start >= 0 else { return nil }
        if last.isEmpty { return .from(start, through: nil) }
        guard let end = Int64(last), end >= start else { return nil }
        return .from(start, through: end)
    }

    /// The inclusive range within `size` bytes, or 416.
    package func resolve(size: Int64) throws(DomainError) -> ClosedRange<Int64> {
        switch self {
        case .from(let start, let end):
            guard start < size else { throw .rangeNotSatisfiable(size: size) }
            return start...min(end ?? size - 1, size - 1)
        case .suffix(let count):
            return max(0, size - count)...(size - 1)
        }
    }
}
