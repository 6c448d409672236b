package import Foundation

/// ISO 8601 timestamps as OpenStack writes them (`2024-01-31T12:00:00Z`), formatted without
/// Foundation's slow formatters (list responses format thousands of dates).
package enum Timestamp {
    /// Formats a date in UTC with second precision and a `Z` suffix.
    package static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            unsafeUninitializedCapacity: 20,
            initializingUTF8With: { buffer in
                func put(_ value: Int32, _ width: Int, at offset: Int) {
                    var v = value
                    for i in stride(from: offset + width - 1, through: offset, by: -1) {
                        buffer[i] = UInt8(48 + v % 10)
                        v /= 10
                    }
                }
                put(parts.tm_year + 1900, 4, at: 0)
                buffer[4] = UInt8(ascii: "-")
                put(parts.tm_mon + 1, 2, at: 5)
                buffer[7] = UInt8(ascii: "-")
                put(parts.tm_mday, 2, at: 8)
                buffer[10] = UInt8(ascii: "T")
                put(parts.tm_hour, 2, at: 11)
                buffer[13] = UInt8(ascii: ":")
                put(parts.tm_min, 2, at: 14)
                buffer[16] = UInt8(ascii: ":")
                put(parts.tm_sec, 2, at: 17)
                buffer[19] = UInt8(ascii: "Z")
                return 20
            })
    }

    /// An HTTP date (RFC 9110 IMF-fixdate), e.g. `Tue, 24 Nov 2026 07:00:36 GMT`.
    package static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// Swift's listing timestamp, e.g. `2026-11-24T07:00:36.000000`.
    package static func swiftListing(_ date: Date) -> String {
        let iso = iso8601(date)
        let micros = Int((date.timeIntervalSince1970 - date.timeIntervalSince1970.rounded(.down)) * 1_000_000)
        let fraction = String(micros)
        return String(iso.dropLast()) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// Days in a month of the proleptic Gregorian calendar.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS` with an optional fraction and a `Z` or `±HH:MM` zone (no zone means UTC),
    /// or a bare `YYYY-MM-DD`.
    package static func parse(_ text: String) -> Date? {
        let c = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= c.count else { return nil }
            var value = 0
            for i in range {
                guard c[i] >= 48 && c[i] <= 57 else { return nil }
                value = value * 10 + Int(c[i] - 48)
            }
            return value
        }
        guard c.count >= 10, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offset = 0
        var index = 10
        if c.count > 10 {
            guard c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: " "), c.count >= 19, c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":"),
                let h = number(11..<13), let m = number(14..<16), let s = number(17..<19), h < 24, m < 60, s < 61
            else { return nil }
            hour = h
            minute = m
            second = s
            index = 19
            if index < c.count, c[index] == UInt8(ascii: ".") {
                index += 1
                var scale = 0.1
                while index < c.count, c[index] >= 48, c[index] <= 57 {
                    fraction += Double(c[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
            if index < c.count {
                if c[index] == UInt8(ascii: "Z") {
                    index += 1
                } else if c[index] == UInt8(ascii: "+") || c[index] == UInt8(ascii: "-") {
                    let sign = c[index] == UInt8(ascii: "+") ? 1 : -1
                    guard let zh = number(index + 1..<index + 3) else { return nil }
                    var zm = 0
                    var next = index + 3
                    if next < c.count, c[next] == UInt8(ascii: ":") { next += 1 }
                    if next + 2 <= c.count, let parsed = number(next..<next + 2) {
                        zm = parsed
                        next += 2
                    }
                    offset = sign * (zh * 3600 + zm * 60)
                    index = next
                } else {
                    return nil
                }
            }
            guard index == c.count else { return nil }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: TimeInterval(epoch - offset) + fraction)
    }
}
