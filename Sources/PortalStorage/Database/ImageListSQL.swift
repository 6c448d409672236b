import Foundation
import PortalDomain

/// A value bound to a statement placeholder, whatever the engine.
enum SQLValue: Sendable {
    case text(String)
    case integer(Int64)
    case bool(Bool)
    case date(Date)
}

/// SQL text with its bound values, in order; each `?` in the text is one value.
struct SQLFragment: Sendable, ExpressibleByStringLiteral {
    var text: String
    var values: [SQLValue]

    init(_ text: String, _ values: [SQLValue] = []) {
        self.text = text
        self.values = values
    }

    init(stringLiteral text: String) { self.init(text) }

    static func + (lhs: SQLFragment, rhs: SQLFragment) -> SQLFragment {
        SQLFragment(lhs.text + rhs.text, lhs.values + rhs.values)
    }

    /// `(a) AND (b) AND ...`.
    static func all(_ parts: [SQLFragment]) -> SQLFragment { joined(parts, " AND ") }

    /// `(a) OR (b) OR ...`.
    static func any(_ parts: [SQLFragment]) -> SQLFragment { joined(parts, " OR ") }

    private static func joined(_ parts: [SQLFragment], _ separator: String) -> SQLFragment {
        SQLFragment("(" + parts.map { "(" + $0.text + ")" }.joined(separator: separator) + ")", parts.flatMap(\.values))
    }

    /// `? , ?, ...` for a list of values (an `IN` list); `NULL` for an empty one, which matches nothing.
    static func list(_ values: [SQLValue]) -> SQLFragment {
        values.isEmpty ? SQLFragment("(NULL)") : SQLFragment("(" + values.map { _ in "?" }.joined(separator: ", ") + ")", values)
    }

    static func list(_ texts: [String]) -> SQLFragment { list(texts.map(SQLValue.text)) }
}

/// What differs between the SQL engines in an image list.
protocol ImageListDialect {
    /// An expression that orders text byte by byte, whatever the database's collation.
    func binaryText(_ expression: String) -> String
    /// `images.tags` holds `tag`.
    func hasTag(_ tag: String) -> SQLFragment
    /// `images.properties` maps `key` to `value`.
    func hasProperty(_ key: String, _ value: String) -> SQLFragment
    /// `images.name` contains `text`, ignoring case (the pattern is escaped with backslashes).
    func nameContains(_ pattern: String) -> SQLFragment
}

/// Builds the SQL of an image list from an `ImageListQuery` and the `ImageScope` the domain decided
/// for the caller: the scope's branches, the query's filters, and keyset pagination.
struct ImageListSQL<Dialect: ImageListDialect> {
    let query: ImageListQuery
    let scope: ImageScope
    let dialect: Dialect
    /// The columns each branch selects (`images.*`, or an explicit list where JSON needs a cast).
    let columns: String

    /// The sort expression of a key (NULLs folded so that keyset comparisons stay total).
    func expression(_ key: ImageListQuery.SortKey) -> String {
        switch key {
        case .name: dialect.binaryText("COALESCE(images.name, '')")
        case .status: dialect.binaryText("images.status")
        case .containerFormat: dialect.binaryText("COALESCE(images.container_format, '')")
        case .diskFormat: dialect.binaryText("COALESCE(images.disk_format, '')")
        case .size: "COALESCE(images.size, -1)"
        case .id: dialect.binaryText("images.id")
        case .createdAt: "images.created_at"
        case .updatedAt: "images.updated_at"
        }
    }

    /// The value of a key for a marker image, matching `expression`.
    static func value(_ key: ImageListQuery.SortKey, of image: Image) -> SQLValue {
        switch key {
        case .name: .text(image.name ?? "")
        case .status: .text(image.status.rawValue)
        case .containerFormat: .text(image.containerFormat?.rawValue ?? "")
        case .diskFormat: .text(image.diskFormat?.rawValue ?? "")
        case .size: .integer(image.size ?? -1)
        case .id: .text(image.id.rawValue)
        case .createdAt: .date(image.createdAt)
        case .updatedAt: .date(image.updatedAt)
        }
    }

    /// The page query: at most `limit` rows after the marker.
    ///
    /// Each branch of the scope is ordered and limited on its own, where an index serves it
    /// (the owner, visibility and member indexes), and the branches are merged: one OR over the
    /// whole scope would make the engine collect and sort every candidate row instead.
    func select(limit: Int, after marker: Image?) -> SQLFragment {
        var common = filters()
        if let marker { common.append(keyset(after: marker)) }
        let order = orderBy()
        let branches = scope.branches.enumerated().map { index, branch in
            let (from, conditions) = Self.source(of: branch)
            return SQLFragment("SELECT * FROM (SELECT \(columns) FROM \(from) WHERE ") + .all(conditions + common)
                + SQLFragment(" ORDER BY \(order) LIMIT \(limit)) AS branch\(index)")
        }
        guard let first = branches.first else { return SQLFragment("SELECT \(columns) FROM images WHERE 1 = 0") }
        if branches.count == 1 { return first }
        let union = branches.dropFirst().reduce(first) { $0 + " UNION ALL " + $1 }
        return SQLFragment("SELECT * FROM (") + union + SQLFragment(") AS images ORDER BY \(order) LIMIT \(limit)")
    }

    /// How many undeleted images the scope holds.
    func count() -> SQLFragment {
        let branches = scope.branches.map { branch in
            let (from, conditions) = Self.source(of: branch)
            return SQLFragment("SELECT COUNT(*) AS n FROM \(from) WHERE ") + .all(conditions)
        }
        guard let first = branches.first else { return "SELECT 0" }
        return SQLFragment("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM (") + branches.dropFirst().reduce(first) { $0 + " UNION ALL " + $1 } + ") AS counts"
    }

    /// The rows one branch of a scope reads (deleted images never belong to a scope).
    static func source(of branch: ImageScope.Branch) -> (from: String, conditions: [SQLFragment]) {
        let undeleted: SQLFragment = "images.status NOT IN ('deleted', 'pending_delete')"
        switch branch {
        case .owned(let tenant, let visibilities):
            var conditions: [SQLFragment] = [undeleted, SQLFragment("images.owner = ?", [.text(tenant.rawValue)])]
            if let visibilities { conditions.append("images.visibility IN " + .list(visibilities.map(\.rawValue).sorted())) }
            return ("images", conditions)
        case .withVisibility(let visibility, let excluded):
            var conditions: [SQLFragment] = [undeleted, SQLFragment("images.visibility = ?", [.text(visibility.rawValue)])]
            if let excluded { conditions.append(SQLFragment("images.owner <> ?", [.text(excluded.rawValue)])) }
            return ("images", conditions)
        case .sharedWith(let member, let statuses):
            // CROSS JOIN: drive from the member's own records.
            return (
                "image_members m CROSS JOIN images",
                [
                    "images.id = m.image_id", undeleted, SQLFragment("m.member = ?", [.text(member.rawValue)]),
                    "m.status IN " + .list(statuses.map(\.rawValue).sorted()), "images.visibility = 'shared'",
                    SQLFragment("images.owner <> ?", [.text(member.rawValue)]),
                ]
            )
        }
    }

    /// The filters of the query string, as conditions on `images`.
    private func filters() -> [SQLFragment] {
        var clauses: [SQLFragment] = []
        if let names = query.names { clauses.append("images.name IN " + .list(names)) }
        if let text = query.nameContains, !text.isEmpty {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            clauses.append(dialect.nameContains("%" + escaped + "%"))
        }
        if let statuses = query.statuses { clauses.append("images.status IN " + .list(statuses)) }
        if let owners = query.owners { clauses.append("images.owner IN " + .list(owners)) }
        if let formats = query.diskFormats { clauses.append("images.disk_format IN " + .list(formats)) }
        if let formats = query.containerFormats { clauses.append("images.container_format IN " + .list(formats)) }
        if let ids = query.ids { clauses.append("images.id IN " + .list(ids.map { $0.lowercased() })) }
        if let sizeMin = query.sizeMin { clauses.append(SQLFragment("images.size >= ?", [.integer(sizeMin)])) }
        if let sizeMax = query.sizeMax { clauses.append(SQLFragment("images.size <= ?", [.integer(sizeMax)])) }
        for tag in query.tags { clauses.append(dialect.hasTag(tag)) }
        if let protected = query.protected { clauses.append(SQLFragment("images.protected = ?", [.bool(protected)])) }
        clauses.append(SQLFragment("images.os_hidden = ?", [.bool(query.osHidden)]))
        for filter in query.createdAt { clauses.append(Self.time("images.created_at", filter)) }
        for filter in query.updatedAt { clauses.append(Self.time("images.updated_at", filter)) }
        for (key, value) in query.properties.sorted(by: { $0.key < $1.key }) { clauses.append(dialect.hasProperty(key, value)) }
        return clauses
    }

    /// Rows strictly after the marker in the total order.
    func keyset(after marker: Image) -> SQLFragment {
        let order = query.totalOrder
        if Set(order.map(\.direction)).count == 1, let direction = order.first?.direction {
            // One direction: a row-value comparison, which the engine can answer from an index.
            let columns = order.map { expression($0.key) }.joined(separator: ", ")
            let values = order.map { Self.value($0.key, of: marker) }
            let placeholders = values.map { _ in "?" }.joined(separator: ", ")
            return SQLFragment("(\(columns)) \(direction == .asc ? ">" : "<") (\(placeholders))", values)
        }
        var alternatives: [SQLFragment] = []
        for index in order.indices {
            var parts: [SQLFragment] = []
            for previous in order[..<index] {
                parts.append(SQLFragment("\(expression(previous.key)) = ?", [Self.value(previous.key, of: marker)]))
            }
            let current = order[index]
            parts.append(SQLFragment("\(expression(current.key)) \(current.direction == .asc ? ">" : "<") ?", [Self.value(current.key, of: marker)]))
            alternatives.append(.all(parts))
        }
        return .any(alternatives)
    }

    /// ORDER BY for the total order.
    func orderBy() -> String {
        query.totalOrder.map { "\(expression($0.key)) \($0.direction == .asc ? "ASC" : "DESC")" }.joined(separator: ", ")
    }

    /// Glance keeps second precision and shows whole seconds: a filter time names a whole second,
    /// so `eq` matches anything within that second, `gt` starts at the next one, and so on.
    private static func time(_ column: String, _ filter: ImageListQuery.TimeFilter) -> SQLFragment {
        let start = Date(timeIntervalSince1970: filter.date.timeIntervalSince1970.rounded(.down))
        let next = start.addingTimeInterval(1)
        return switch filter.op {
        case .gt: SQLFragment("\(column) >= ?", [.date(next)])
        case .gte: SQLFragment("\(column) >= ?", [.date(start)])
        case .lt: SQLFragment("\(column) < ?", [.date(start)])
        case .lte: SQLFragment("\(column) < ?", [.date(next)])
        case .eq: SQLFragment("(\(column) >= ? AND \(column) < ?)", [.date(start), .date(next)])
        case .neq: SQLFragment("(\(column) < ? OR \(column) >= ?)", [.date(start), .date(next)])
        }
    }
}

/// SQLite's image-list dialect: text compares byte by byte already; JSON through `json_each`.
struct SQLiteListDialect: ImageListDialect {
    func binaryText(_ expression: String) -> String { expression }
    func hasTag(_ tag: String) -> SQLFragment { SQLFragment("EXISTS (SELECT 1 FROM json_each(images.tags) WHERE value = ?)", [.text(tag)]) }
    func hasProperty(_ key: String, _ value: String) -> SQLFragment {
        SQLFragment("EXISTS (SELECT 1 FROM json_each(images.properties) WHERE key = ? AND value = ?)", [.text(key), .text(value)])
    }
    func nameContains(_ pattern: String) -> SQLFragment { SQLFragment("images.name LIKE ? ESCAPE '\\'", [.text(pattern)]) }
}
