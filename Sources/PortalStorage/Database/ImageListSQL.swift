import Foundation
import GRDB
import PortalDomain

/// Builds the SQL of an image list from an `ImageListQuery` and the `ImageScope` the domain decided
/// for the caller: the scope's branches, the query's filters, and keyset pagination.
struct ImageListSQL {
    let query: ImageListQuery
    let scope: ImageScope

    /// The sort expression of a key (NULLs folded so that keyset comparisons stay total).
    static func expression(_ key: ImageListQuery.SortKey) -> String {
        switch key {
        case .name: "COALESCE(images.name, '')"
        case .status: "images.status"
        case .containerFormat: "COALESCE(images.container_format, '')"
        case .diskFormat: "COALESCE(images.disk_format, '')"
        case .size: "COALESCE(images.size, -1)"
        case .id: "images.id"
        case .createdAt: "images.created_at"
        case .updatedAt: "images.updated_at"
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

    /// The page query: at most `limit` rows after the marker.
    ///
    /// Each branch of the scope is ordered and limited on its own, where an index serves it
    /// (`images_by_owner`, `images_by_visibility`, the member index), and the branches are merged:
    /// one OR over the whole scope would make SQLite collect and sort every candidate row instead.
    func select(limit: Int, after marker: ImageRecord?) -> SQL {
        var common: [SQL] = filters()
        if let marker { common.append(keyset(after: marker)) }
        let order = orderBy()
        let branches = scope.branches.map { branch in
            let (from, conditions) = Self.source(of: branch)
            return "SELECT * FROM (SELECT images.* FROM " + from + " WHERE " + Self.all(conditions + common) + " ORDER BY " + order + " LIMIT \(limit))"
        }
        guard let first = branches.first else { return "SELECT images.* FROM images WHERE 0" }
        if branches.count == 1 { return first }
        let union = branches.dropFirst().reduce(first) { $0 + " UNION ALL " + $1 }
        return "SELECT * FROM (" + union + ") AS images ORDER BY " + order + " LIMIT \(limit)"
    }

    /// How many undeleted images the scope holds.
    func count() -> SQL {
        let branches = scope.branches.map { branch in
            let (from, conditions) = Self.source(of: branch)
            return "SELECT COUNT(*) AS n FROM " + from + " WHERE " + Self.all(conditions)
        }
        guard let first = branches.first else { return "SELECT 0" }
        return "SELECT SUM(n) FROM (" + branches.dropFirst().reduce(first) { $0 + " UNION ALL " + $1 } + ")"
    }

    /// The rows one branch of a scope reads (deleted images never belong to a scope).
    static func source(of branch: ImageScope.Branch) -> (from: SQL, conditions: [SQL]) {
        let undeleted: SQL = "images.status NOT IN ('deleted', 'pending_delete')"
        switch branch {
        case .owned(let tenant, let visibilities):
            var conditions: [SQL] = [undeleted, "images.owner = \(tenant.rawValue)"]
            if let visibilities { conditions.append("images.visibility IN \(visibilities.map(\.rawValue).sorted())") }
            return ("images", conditions)
        case .withVisibility(let visibility, let excluded):
            var conditions: [SQL] = [undeleted, "images.visibility = \(visibility.rawValue)"]
            if let excluded { conditions.append("images.owner != \(excluded.rawValue)") }
            return ("images", conditions)
        case .sharedWith(let member, let statuses):
            // CROSS JOIN: drive from the member's own records.
            return (
                "image_members m CROSS JOIN images ON images.id = m.image_id",
                [
                    undeleted, "m.member = \(member.rawValue)", "m.status IN \(statuses.map(\.rawValue).sorted())", "images.visibility = 'shared'",
                    "images.owner != \(member.rawValue)",
                ]
            )
        }
    }

    /// The filters of the query string, as conditions on `images`.
    private func filters() -> [SQL] {
        var clauses: [SQL] = []
        if let names = query.names { clauses.append("images.name IN \(names)") }
        if let text = query.nameContains, !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            clauses.append("images.name LIKE \(pattern) ESCAPE '\\'")
        }
        if let statuses = query.statuses { clauses.append("images.status IN \(statuses)") }
        if let owners = query.owners { clauses.append("images.owner IN \(owners)") }
        if let formats = query.diskFormats { clauses.append("images.disk_format IN \(formats)") }
        if let formats = query.containerFormats { clauses.append("images.container_format IN \(formats)") }
        if let ids = query.ids { clauses.append("images.id IN \(ids.map { $0.lowercased() })") }
        if let sizeMin = query.sizeMin { clauses.append("images.size >= \(sizeMin)") }
        if let sizeMax = query.sizeMax { clauses.append("images.size <= \(sizeMax)") }
        for tag in query.tags { clauses.append("EXISTS (SELECT 1 FROM json_each(images.tags) WHERE value = \(tag))") }
        if let protected = query.protected { clauses.append("images.protected = \(protected)") }
        clauses.append("images.os_hidden = \(query.osHidden)")
        for filter in query.createdAt { clauses.append(Self.time("images.created_at", filter)) }
        for filter in query.updatedAt { clauses.append(Self.time("images.updated_at", filter)) }
        for (key, value) in query.properties.sorted(by: { $0.key < $1.key }) {
            clauses.append("EXISTS (SELECT 1 FROM json_each(images.properties) WHERE key = \(key) AND value = \(value))")
        }
        return clauses
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

    private static func any(_ parts: [SQL]) -> SQL {
        "(" + parts.map { "(" + $0 + ")" }.joined(separator: " OR ") + ")"
    }

    private static func all(_ parts: [SQL]) -> SQL {
        "(" + parts.map { "(" + $0 + ")" }.joined(separator: " AND ") + ")"
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
