import Foundation
import GRDB
import PortalDomain

/// Builds the SQL of an image list from an `ImageListQuery` and the caller: the visibility scope
/// (the same rule as `AccessPolicy`'s `.list`), the filters, and keyset pagination.
struct ImageListSQL {
    let query: ImageListQuery
    let principal: Principal
    let settings: AccessSettings

    /// The sort expression of a key (NULLs folded so that keyset comparisons stay total).
    static func expression(_ key: ImageListQuery.SortKey) -> String {
        switch key {
        case .name: "COALESCE(name, '')"
        case .status: "status"
        case .containerFormat: "COALESCE(container_format, '')"
        case .diskFormat: "COALESCE(disk_format, '')"
        case .size: "COALESCE(size, -1)"
        case .id: "id"
        case .createdAt: "created_at"
        case .updatedAt: "updated_at"
        }
    }

    /// The value of a key for a marker row, matching `expression`.
    static func value(_ key: ImageListQuery.SortKey, of record: ImageRecord) -> any DatabaseValueConvertible {
        switch key {
        case .name: record.name ?? ""
        case .status: record.status
        case .containerFormat: record.containerFormat ?? ""
        case .diskFormat: record.diskFormat ?? ""
        case .size: record.size ?? -1
        case .id: record.id
        case .createdAt: record.createdAt
        case .updatedAt: record.updatedAt
        }
    }

    /// The WHERE clause (without keyset), parameterised.
    func whereClause() -> SQL {
        var clauses: [SQL] = ["status != 'deleted'"]
        let communityRequested = query.visibility == .only(.community)

        // Scope: what this caller may list at all.
        if principal.readsAcrossTenants {
            if query.visibility == nil { clauses.append("visibility != 'community'") }
        } else if let tenant = principal.tenantID?.rawValue {
            let statuses = query.memberStatus.statuses.filter { !(settings.rejectedMembersLoseAccess && $0 == .rejected) }.map(\.rawValue).sorted()
            var scope: [SQL] = ["owner = \(tenant)", "visibility = 'public'"]
            if communityRequested { scope.append("visibility = 'community'") }
            if !statuses.isEmpty {
                scope.append(
                    """
                    (visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m \
                    WHERE m.image_id = images.id AND m.member = \(tenant) AND m.status IN \(statuses)))
                    """)
            }
            clauses.append(Self.any(scope))
            if query.visibility == nil { clauses.append("(visibility != 'community' OR owner = \(tenant))") }
            if query.onlySharedWithCaller {
                clauses.append("owner != \(tenant)")
                clauses.append("visibility = 'shared'")
            }
        } else {
            clauses.append("0")
        }

        if case .only(let visibility) = query.visibility { clauses.append("visibility = \(visibility.rawValue)") }
        if query.excludePublic { clauses.append("visibility != 'public'") }
        if let names = query.names { clauses.append("name IN \(names)") }
        if let text = query.nameContains, !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            clauses.append("name LIKE \(pattern) ESCAPE '\\'")
        }
        if let statuses = query.statuses { clauses.append("status IN \(statuses)") }
        if let owners = query.owners { clauses.append("owner IN \(owners)") }
        if let formats = query.diskFormats { clauses.append("disk_format IN \(formats)") }
        if let formats = query.containerFormats { clauses.append("container_format IN \(formats)") }
        if let ids = query.ids { clauses.append("id IN \(ids.map { $0.lowercased() })") }
        if let sizeMin = query.sizeMin { clauses.append("size >= \(sizeMin)") }
        if let sizeMax = query.sizeMax { clauses.append("size <= \(sizeMax)") }
        for tag in query.tags { clauses.append("EXISTS (SELECT 1 FROM json_each(images.tags) WHERE value = \(tag))") }
        if let protected = query.protected { clauses.append("protected = \(protected)") }
        clauses.append("os_hidden = \(query.osHidden)")
        for filter in query.createdAt { clauses.append(Self.time("created_at", filter)) }
        for filter in query.updatedAt { clauses.append(Self.time("updated_at", filter)) }
        for (key, value) in query.properties.sorted(by: { $0.key < $1.key }) {
            clauses.append("EXISTS (SELECT 1 FROM json_each(images.properties) WHERE key = \(key) AND value = \(value))")
        }
        return Self.all(clauses)
    }

    /// Rows strictly after the marker in the total order.
    func keyset(after marker: ImageRecord) -> SQL {
        let order = query.totalOrder
        if Set(order.map(\.direction)).count == 1, let direction = order.first?.direction {
            // One direction: a row-value comparison, which SQLite can answer from an index.
            let columns = order.map { Self.expression($0.key) }.joined(separator: ", ")
            let values = order.map { Self.value($0.key, of: marker) }
            let placeholders = values.map { _ in "?" }.joined(separator: ", ")
            return SQL(sql: "(\(columns)) \(direction == .asc ? ">" : "<") (\(placeholders))", arguments: StatementArguments(values))
        }
        var alternatives: [SQL] = []
        for index in order.indices {
            var parts: [SQL] = []
            for previous in order[..<index] {
                parts.append(SQL(sql: "\(Self.expression(previous.key)) = ?", arguments: [Self.value(previous.key, of: marker)]))
            }
            let current = order[index]
            parts.append(
                SQL(sql: "\(Self.expression(current.key)) \(current.direction == .asc ? ">" : "<") ?", arguments: [Self.value(current.key, of: marker)]))
            alternatives.append(Self.all(parts))
        }
        return Self.any(alternatives)
    }

    /// ORDER BY for the total order.
    func orderBy() -> SQL {
        SQL(sql: query.totalOrder.map { "\(Self.expression($0.key)) \($0.direction == .asc ? "ASC" : "DESC")" }.joined(separator: ", "))
    }

    private static func all(_ parts: [SQL]) -> SQL {
        "(" + parts.map { "(" + $0 + ")" }.joined(separator: " AND ") + ")"
    }

    private static func any(_ parts: [SQL]) -> SQL {
        "(" + parts.map { "(" + $0 + ")" }.joined(separator: " OR ") + ")"
    }

    /// Glance keeps second precision and shows whole seconds: a filter time names a whole second,
    /// so `eq` matches anything within that second, `gt` starts at the next one, and so on.
    private static func time(_ column: String, _ filter: ImageListQuery.TimeFilter) -> SQL {
        let start = Date(timeIntervalSince1970: filter.date.timeIntervalSince1970.rounded(.down))
        let next = start.addingTimeInterval(1)
        return switch filter.op {
        case .gt: SQL(sql: "\(column) >= ?", arguments: [next])
        case .gte: SQL(sql: "\(column) >= ?", arguments: [start])
        case .lt: SQL(sql: "\(column) < ?", arguments: [start])
        case .lte: SQL(sql: "\(column) < ?", arguments: [next])
        case .eq: SQL(sql: "(\(column) >= ? AND \(column) < ?)", arguments: [start, next])
        case .neq: SQL(sql: "(\(column) < ? OR \(column) >= ?)", arguments: [start, next])
        }
    }
}
