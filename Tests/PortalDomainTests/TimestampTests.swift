import Foundation
import PortalDomain
import Testing

// Timestamp: OpenStack's ISO 8601 form, HTTP dates, Swift listing dates, and the parser behind
// the `created_at`/`updated_at` list filters.

@Suite("Timestamp")
struct TimestampTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_706_702_400, "2024-01-31T12:00:00Z"),
        (1_706_702_400.999, "2024-01-31T12:00:00Z"),
        (1_709_251_199, "2024-02-29T23:59:59Z"),
        (952_247_287, "2000-03-05T09:08:07Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (-0.5, "1969-12-31T23:59:59Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ])
    func iso8601_formatsUTCToTheSecondWithZ(_ seconds: Double, _ expected: String) {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(arguments: [
        (0.0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (1_795_503_636, "Tue, 24 Nov 2026 07:00:36 GMT"),
        (952_247_287, "Sun, 05 Mar 2000 09:08:07 GMT"),
        (1_709_251_199.7, "Thu, 29 Feb 2024 23:59:59 GMT"),
    ])
    func httpDate_isIMFFixdate(_ seconds: Double, _ expected: String) {
        #expect(Timestamp.httpDate(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(arguments: [
        (1_706_702_400.0, "2024-01-31T12:00:00.000000"),
        (1_706_702_400.25, "2024-01-31T12:00:00.250000"),
        (1_706_702_400.5, "2024-01-31T12:00:00.500000"),
        (1_706_702_400.015625, "2024-01-31T12:00:00.015625"),
    ])
    func swiftListing_hasMicrosecondsAndNoZone(_ seconds: Double, _ expected: String) {
        #expect(Timestamp.swiftListing(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(arguments: [
        ("2024-01-31T12:00:00Z", 1_706_702_400.0),
        ("2024-01-31T12:00:00", 1_706_702_400),
        ("2024-01-31 12:00:00", 1_706_702_400),
        ("2024-01-31T14:00:00+02:00", 1_706_702_400),
        ("2024-01-31T14:00:00+0200", 1_706_702_400),
        ("2024-01-31T07:00:00-05:00", 1_706_702_400),
        ("2024-01-31T17:30:00+05:30", 1_706_702_400),
        ("2024-01-31T12:00:00.5Z", 1_706_702_400.5),
        ("2024-01-31T12:00:00.250+00:00", 1_706_702_400.25),
        ("2024-01-31T12:00:00.000000", 1_706_702_400),
        ("2024-01-31", 1_706_659_200),
        ("2024-02-29T23:59:59Z", 1_709_251_199),
        ("1970-01-01T00:00:00Z", 0),
    ])
    func parse_acceptedForms(_ text: String, _ seconds: Double) {
        #expect(Timestamp.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: [
        "", "2024", "2024-01", "2024-1-31", "2024/01/31", "20240131", "24-01-31", "yesterday", "2024-01-31T", "2024-01-31X12:00:00",
        "2024-13-01", "2024-00-10", "2024-01-32", "2024-01-00",
        "2024-01-31T24:00:00Z", "2024-01-31T12:60:00Z", "2024-01-31T12:00Z", "2024-01-31T12:00:00X", "2024-01-31T12:00:00Zjunk",
        "2024-01-31T12:00:00+2", "2024-01-31T12:00:00+02:00junk", "2024-01-31T1a:00:00Z", "２０２４-01-31",
    ])
    func parse_badInput_isNil(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    /// A day that does not exist in its month is bad input (ISO 8601, and Glance's `iso8601` parser);
    /// it must not roll over into the next month.
    @Test(arguments: ["2023-02-29", "2024-02-30", "2024-04-31", "2023-02-29T00:00:00Z", "2024-06-31T12:00:00Z"])
    func parse_impossibleCalendarDate_isNil(_ text: String) {
        #expect(Timestamp.parse(text) == nil, "parsed as \(Timestamp.parse(text).map(Timestamp.iso8601) ?? "-")")
    }

    @Test(arguments: [0.0, 1_706_702_400, 1_709_251_199, 4_102_444_800])
    func iso8601_thenParse_roundTrips(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(Timestamp.parse(Timestamp.iso8601(date)) == date)
    }
}
