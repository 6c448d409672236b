import Foundation
import PortalDomain

/// Human-readable values for pages.
enum Format {
    /// "24 Nov 2026, 07:00 UTC".
    static func date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let hour = parts.tm_hour < 10 ? "0\(parts.tm_hour)" : "\(parts.tm_hour)"
        let minute = parts.tm_min < 10 ? "0\(parts.tm_min)" : "\(parts.tm_min)"
        return "\(parts.tm_mday) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900), \(hour):\(minute) UTC"
    }

    /// Machine-readable for `<time datetime>`.
    static func isoDate(_ date: Date) -> String { Timestamp.iso8601(date) }

    /// "3 minutes ago", "2 days ago".
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        if seconds < 60 { return "just now" }
        let units: [(Int, String)] = [(86_400 * 365, "year"), (86_400 * 30, "month"), (86_400, "day"), (3600, "hour"), (60, "minute")]
        for (size, name) in units where seconds >= size {
            let count = seconds / size
            return "\(count) \(name)\(count == 1 ? "" : "s") ago"
        }
        return "just now"
    }

    /// "1.5 GiB", or "—" for no size.
    static func size(_ bytes: Int64?) -> String {
        guard let bytes else { return "—" }
        return ByteFormat.size(bytes)
    }

    /// The status as shown, e.g. "pending_delete" → "pending delete".
    static func words(_ text: String) -> String { text.replacingOccurrences(of: "_", with: " ") }
}

extension Format {
    /// A JSON value as a person reads it: text without quotes, lists joined, null as "none".
    static func json(_ value: JSONValue) -> String {
        switch value {
        case .null: "none"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): text
        case .array(let items): items.isEmpty ? "none" : items.map(json).joined(separator: ", ")
        case .object(let object): object.sorted { $0.key < $1.key }.map { "\($0.key)=\(json($0.value))" }.joined(separator: ", ")
        }
    }
}
