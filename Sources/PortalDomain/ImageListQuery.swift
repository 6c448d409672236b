package import Foundation

/// A parsed image-list request (`GET /v2/images`), with Glance's validation and defaults.
package struct ImageListQuery: Hashable, Sendable {
    /// A sortable attribute.
    package enum SortKey: String, CaseIterable, Sendable {
        case name, status, containerFormat = "container_format", diskFormat = "disk_format", size, id
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    /// A sort direction.
    package enum SortDirection: String, Sendable { case asc, desc }

    /// Comparison operators for time filters (`created_at=gte:2024-01-01T00:00:00Z`).
    package enum TimeOperator: String, CaseIterable, Sendable { case gt, gte, lt, lte, eq, neq }

    /// A time filter.
    package struct TimeFilter: Hashable, Sendable {
        package var op: TimeOperator
        package var date: Date
    }

    /// Which member status of shared images to include (`member_status`).
    package enum MemberStatusFilter: String, Sendable {
        case pending, accepted, rejected, all

        /// The statuses this filter admits.
        package var statuses: Set<MemberStatus> {
            switch self {
            case .pending: [.pending]
            case .accepted: [.accepted]
            case .rejected: [.rejected]
            case .all: Set(MemberStatus.allCases)
            }
        }
    }

    /// The `visibility` filter: one visibility, or `all`.
    package enum VisibilityFilter: Hashable, Sendable {
        case only(Visibility)
        case all
    }

    /// Default page size (Glance's `limit_param_default`).
    package static let defaultLimit = 25
    /// Largest page size (Glance's `api_limit_max`).
    package static let maxLimit = 1000

    package var limit = ImageListQuery.defaultLimit
    package var marker: ImageID?
    package var sort: [(key: SortKey, direction: SortDirection)] = [(.createdAt, .desc)]
    package var memberStatus: MemberStatusFilter = .accepted
    package var visibility: VisibilityFilter?
    /// Exact-match filters; each may list alternatives (`name=in:a,b`).
    package var names: [String]?
    package var statuses: [String]?
    package var owners: [String]?
    package var diskFormats: [String]?
    package var containerFormats: [String]?
    package var ids: [String]?
    package var sizeMin: Int64?
    package var sizeMax: Int64?
    /// Every tag must be present.
    package var tags: [String] = []
    package var protected: Bool?
    package var osHidden = false
    package var createdAt: [TimeFilter] = []
    package var updatedAt: [TimeFilter] = []
    /// Free-form property filters (any unrecognised parameter), exact match.
    package var properties: [String: String] = [:]
    /// Portal tabs "Shared with me", "Pending", "Rejected": only images other tenants shared with the
    /// caller (never set from the API's query string).
    package var onlySharedWithCaller = false
    /// Glance v1 `is_public=false`: everything the caller may list except public images.
    package var excludePublic = false
    /// Portal search: names containing this text, case-insensitively (never set from the API).
    package var nameContains: String?

    package init() {}

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.limit == rhs.limit && lhs.marker == rhs.marker && lhs.sort.map(\.key) == rhs.sort.map(\.key)
            && lhs.sort.map(\.direction) == rhs.sort.map(\.direction) && lhs.memberStatus == rhs.memberStatus
            && lhs.visibility == rhs.visibility && lhs.names == rhs.names && lhs.statuses == rhs.statuses
            && lhs.owners == rhs.owners && lhs.diskFormats == rhs.diskFormats && lhs.containerFormats == rhs.containerFormats
            && lhs.ids == rhs.ids && lhs.sizeMin == rhs.sizeMin && lhs.sizeMax == rhs.sizeMax && lhs.tags == rhs.tags
            && lhs.protected == rhs.protected && lhs.osHidden == rhs.osHidden && lhs.createdAt == rhs.createdAt
            && lhs.updatedAt == rhs.updatedAt && lhs.properties == rhs.properties && lhs.onlySharedWithCaller == rhs.onlySharedWithCaller
            && lhs.nameContains == rhs.nameContains && lhs.excludePublic == rhs.excludePublic
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(limit)
        hasher.combine(marker)
        hasher.combine(names)
    }

    /// The sort order with `id` appended as the final tie-breaker (keyset pagination needs a total order).
    package var totalOrder: [(key: SortKey, direction: SortDirection)] {
        if sort.contains(where: { $0.key == .id }) { return sort }
        return sort + [(.id, sort.last?.direction ?? .desc)]
    }

    /// Parses query items the way Glance v2 does. Unknown parameters become property filters.
    package static func parse(_ items: [(name: String, value: String)]) throws(DomainError) -> ImageListQuery {
        var query = ImageListQuery()
        var sortKeys: [SortKey] = []
        var sortDirections: [SortDirection] = []
        var newSort: String?
        for (name, value) in items {
            switch name {
            case "limit":
                guard let number = Int(value) else { throw .invalid("limit param must be an integer") }
                guard number >= 0 else { throw .invalid("limit param must be positive") }
                query.limit = min(number, maxLimit)
            case "marker":
                guard let marker = ImageID(rawValue: value) else { throw .invalid("Invalid marker: no image with ID '\(value.prefix(64))' is visible to you.") }
                query.marker = marker
            case "sort_key":
                sortKeys.append(try sortKey(value.trimmingCharacters(in: .whitespaces)))
            case "sort_dir":
                sortDirections.append(try sortDirection(value.trimmingCharacters(in: .whitespaces)))
            case "sort":
                newSort = value
            case "member_status":
                guard let filter = MemberStatusFilter(rawValue: value) else { throw .invalid("Invalid status: \(value.prefix(64))") }
                query.memberStatus = filter
            case "visibility":
                if value == "all" {
                    query.visibility = .all
                } else {
                    guard let visibility = Visibility(rawValue: value) else { throw .invalid("Invalid visibility value: \(value.prefix(64))") }
                    query.visibility = .only(visibility)
                }
            case "name": query.names = alternatives(value)
            case "status": query.statuses = alternatives(value)
            case "owner": query.owners = alternatives(value)
            case "disk_format": query.diskFormats = alternatives(value)
            case "container_format": query.containerFormats = alternatives(value)
            case "id": query.ids = alternatives(value)
            case "size_min":
                guard let number = Int64(value), number >= 0 else { throw .invalid("Invalid value '\(value.prefix(64))' for 'size_min': it must be a non-negative integer.") }
                query.sizeMin = number
            case "size_max":
                guard let number = Int64(value), number >= 0 else { throw .invalid("Invalid value '\(value.prefix(64))' for 'size_max': it must be a non-negative integer.") }
                query.sizeMax = number
            case "tag":
                query.tags.append(value.trimmingCharacters(in: .whitespaces))
            case "protected":
                guard let flag = strictBool(value) else { throw .invalid("Invalid value '\(value.prefix(64))' for 'protected' filter. Valid values are 'true' or 'false'.") }
                query.protected = flag
            case "os_hidden":
                guard let flag = strictBool(value.lowercased()) else { throw .invalid("Invalid value '\(value.prefix(64))' for 'os_hidden' filter. Valid values are 'true' or 'false'.") }
                query.osHidden = flag
            case "created_at":
                query.createdAt.append(try timeFilter(value, name: name))
            case "updated_at":
                query.updatedAt.append(try timeFilter(value, name: name))
            case "changes-since":
                throw .invalid("The \"changes-since\" filter is no longer available on v2.")
            default:
                query.properties[name] = value
            }
        }
        if let newSort {
            guard sortKeys.isEmpty, sortDirections.isEmpty else { throw .invalid("Old and new sorting syntax cannot be combined") }
            var parsed: [(SortKey, SortDirection)] = []
            for part in newSort.trimmingCharacters(in: .whitespaces).split(separator: ",", omittingEmptySubsequences: false) {
                let pieces = part.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let key = try sortKey(String(pieces[0]).trimmingCharacters(in: .whitespaces))
                let directionText = pieces.count > 1 ? String(pieces[1]).trimmingCharacters(in: .whitespaces) : ""
                let direction = directionText.isEmpty ? SortDirection.desc : try sortDirection(directionText)
                parsed.append((key, direction))
            }
            query.sort = parsed
        } else if !sortKeys.isEmpty || !sortDirections.isEmpty {
            if sortDirections.count > 1 && sortDirections.count != sortKeys.count {
                throw .invalid("Number of sort dirs does not match the number of sort keys")
            }
            let keys = sortKeys.isEmpty ? [.createdAt] : sortKeys
            query.sort = keys.enumerated().map { index, key in
                (key, sortDirections.isEmpty ? .desc : sortDirections[sortDirections.count == 1 ? 0 : index])
            }
        }
        return query
    }

    private static func sortKey(_ text: String) throws(DomainError) -> SortKey {
        guard let key = SortKey(rawValue: text) else {
            throw .invalid("Invalid sort key: \(text.prefix(64)). It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.")
        }
        return key
    }

    private static func sortDirection(_ text: String) throws(DomainError) -> SortDirection {
        guard let direction = SortDirection(rawValue: text) else { throw .invalid("Invalid sort direction: \(text.prefix(64))") }
        return direction
    }

    private static func strictBool(_ text: String) -> Bool? {
        switch text {
        case "true": true
        case "false": false
        default: nil
        }
    }

    /// `in:a,b` lists alternatives; anything else is one exact value.
    private static func alternatives(_ value: String) -> [String] {
        if value.hasPrefix("in:") {
            return value.dropFirst(3).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        return [value]
    }

    private static func timeFilter(_ value: String, name: String) throws(DomainError) -> TimeFilter {
        var op = TimeOperator.eq
        var text = Substring(value)
        if let colon = value.firstIndex(of: ":"), let parsed = TimeOperator(rawValue: String(value[..<colon])) {
            op = parsed
            text = value[value.index(after: colon)...]
        } else if let colon = value.firstIndex(of: ":"), value[..<colon].allSatisfy(\.isLetter) {
            throw .invalid("Invalid operator '\(value[..<colon].prefix(16))' for '\(name)': use one of gt, gte, lt, lte, eq, neq.")
        }
        guard let date = Timestamp.parse(String(text)) else {
            throw .invalid("Invalid time '\(text.prefix(64))' for '\(name)': use ISO 8601, e.g. 2024-01-31T12:00:00Z.")
        }
        return TimeFilter(op: op, date: date)
    }
}

extension ImageListQuery.TimeFilter {
    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.op == rhs.op && lhs.date == rhs.date }
}
