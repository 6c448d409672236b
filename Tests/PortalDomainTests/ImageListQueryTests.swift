import Foundation
import PortalDomain
import Testing

// ImageListQuery.parse against Glance v2's RequestDeserializer.index / _get_sorting_params /
// ImagesController.index, and PRODUCT.md's compatibility facts (page size 25, 400s for bad
// visibility, member_status, sort key or direction, limit, size_min).

/// Query items from `name=value` strings (values are taken literally: no percent-decoding).
private func items(_ pairs: [String]) -> [(name: String, value: String)] {
    pairs.map { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (name: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
    }
}

private func parse(_ pairs: String...) throws(DomainError) -> ImageListQuery {
    try ImageListQuery.parse(items(pairs))
}

/// "key:dir" strings of a sort order, for readable comparisons.
private func rendered(_ sort: [(key: ImageListQuery.SortKey, direction: ImageListQuery.SortDirection)]) -> [String] {
    sort.map { "\($0.key.rawValue):\($0.direction.rawValue)" }
}

/// A table row: query items, and the expected outcome (a rendering of the parsed field, or a status).
struct QueryCase: Sendable, CustomTestStringConvertible {
    var query: [String]
    var expected: String
    var testDescription: String { "\(query.joined(separator: "&")) → \(expected)" }

    init(_ query: [String], _ expected: String) {
        self.query = query
        self.expected = expected
    }
}

@Suite("ImageListQuery")
struct ImageListQueryTests {
    @Test func parse_noParameters_givesGlanceDefaults() {
        // When
        let query = try? parse()
        // Then
        #expect(query?.limit == 25)
        #expect(query?.marker == nil)
        #expect(query.map { rendered($0.sort) } == ["created_at:desc"])
        #expect(query?.memberStatus == .accepted)
        #expect(query?.visibility == nil)
        #expect(query?.protected == nil)
        #expect(query?.osHidden == false)
        #expect(query?.tags == [])
        #expect(query?.createdAt == [])
        #expect(query?.properties == [:])
        #expect(query?.names == nil)
        #expect(query?.sizeMin == nil)
        #expect(ImageListQuery.defaultLimit == 25)
        #expect(ImageListQuery.maxLimit == 1000)
    }

    // MARK: limit and marker

    static let limits: [QueryCase] = [
        QueryCase(["limit=0"], "0"), QueryCase(["limit=1"], "1"), QueryCase(["limit=25"], "25"), QueryCase(["limit=1000"], "1000"),
        QueryCase(["limit=1001"], "1000"), QueryCase(["limit=99999999"], "1000"), QueryCase(["limit=-1"], "400"),
        QueryCase(["limit=abc"], "400"), QueryCase(["limit=1.5"], "400"), QueryCase(["limit="], "400"),
    ]

    @Test(arguments: limits)
    func parse_limit_isCappedAt1000AndMustBeANonNegativeInteger(_ c: QueryCase) {
        let outcome: String
        do { outcome = String(try ImageListQuery.parse(items(c.query)).limit) } catch { outcome = String(error.statusCode) }
        #expect(outcome == c.expected)
    }

    @Test func parse_marker_acceptsAnyCaseUUIDAndLowerCasesIt() {
        let query = try? parse("marker=AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE")
        #expect(query?.marker?.rawValue == "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
    }

    @Test(arguments: ["not-a-uuid", "", "aaaaaaaabbbb4ccc8dddeeeeeeeeeeee"])
    func parse_malformedMarker_is400(_ marker: String) {
        #expect(status { () throws(DomainError) in try parse("marker=\(marker)") } == 400)
    }

    // MARK: sorting

    static let sorts: [QueryCase] = [
        // classic syntax
        QueryCase(["sort_key=name"], "name:desc"),
        QueryCase(["sort_key= name "], "name:desc"),
        QueryCase(["sort_key=name", "sort_dir=asc"], "name:asc"),
        QueryCase(["sort_dir=asc"], "created_at:asc"),
        QueryCase(["sort_key=name", "sort_key=size", "sort_dir=asc"], "name:asc,size:asc"),
        QueryCase(["sort_key=name", "sort_key=size", "sort_dir=asc", "sort_dir=desc"], "name:asc,size:desc"),
        QueryCase(["sort_key=status", "sort_key=container_format", "sort_key=disk_format", "sort_key=id", "sort_key=updated_at"],
                  "status:desc,container_format:desc,disk_format:desc,id:desc,updated_at:desc"),
        QueryCase(["sort_key=name", "sort_dir=asc", "sort_dir=desc"], "400"),
        QueryCase(["sort_key=name", "sort_key=size", "sort_key=id", "sort_dir=asc", "sort_dir=desc"], "400"),
        QueryCase(["sort_dir=asc", "sort_dir=desc"], "400"),
        QueryCase(["sort_key=owner"], "400"),
        QueryCase(["sort_key=name,size"], "400"),
        QueryCase(["sort_key=NAME"], "400"),
        QueryCase(["sort_dir=up"], "400"),
        QueryCase(["sort_dir=ASC"], "400"),
        // new syntax
        QueryCase(["sort=name"], "name:desc"),
        QueryCase(["sort=name:asc,size"], "name:asc,size:desc"),
        QueryCase(["sort= name:asc , size:desc "], "name:asc,size:desc"),
        QueryCase(["sort=created_at:asc,id:asc"], "created_at:asc,id:asc"),
        // Glance: an empty direction after ':' falls back to the default ('desc').
        QueryCase(["sort=name:"], "name:desc"),
        QueryCase(["sort=name:up"], "400"),
        QueryCase(["sort=owner:asc"], "400"),
        QueryCase(["sort=name:asc,"], "400"),
        // mixing both syntaxes
        QueryCase(["sort=name:asc", "sort_key=size"], "400"),
        QueryCase(["sort_dir=asc", "sort=name:asc"], "400"),
    ]

    @Test(arguments: sorts)
    func parse_sorting_classicAndNewSyntax(_ c: QueryCase) {
        let outcome: String
        do { outcome = rendered(try ImageListQuery.parse(items(c.query)).sort).joined(separator: ",") } catch { outcome = String(error.statusCode) }
        #expect(outcome == c.expected)
    }

    @Test func parse_mixedSortSyntax_saysWhy() {
        let error = refusal { () throws(DomainError) in try parse("sort=name:asc", "sort_key=size") }
        #expect(error == .invalid("Old and new sorting syntax cannot be combined"))
    }

    @Test func parse_mismatchedSortCounts_saysWhy() {
        let error = refusal { () throws(DomainError) in try parse("sort_key=name", "sort_dir=asc", "sort_dir=desc") }
        #expect(error == .invalid("Number of sort dirs does not match the number of sort keys"))
    }

    static let totalOrders: [QueryCase] = [
        QueryCase([], "created_at:desc,id:desc"),
        QueryCase(["sort=name:asc"], "name:asc,id:asc"),
        QueryCase(["sort_key=size", "sort_dir=desc"], "size:desc,id:desc"),
        QueryCase(["sort=id:asc,name:desc"], "id:asc,name:desc"),
        QueryCase(["sort_key=id"], "id:desc"),
    ]

    @Test(arguments: totalOrders)
    func totalOrder_appendsIdAsTheFinalTieBreaker(_ c: QueryCase) {
        let query = try? ImageListQuery.parse(items(c.query))
        #expect(query.map { rendered($0.totalOrder).joined(separator: ",") } == c.expected)
    }

    // MARK: member_status and visibility

    @Test(arguments: [
        ("pending", ImageListQuery.MemberStatusFilter.pending), ("accepted", .accepted), ("rejected", .rejected), ("all", .all),
    ])
    func parse_memberStatus_knownValues(_ text: String, _ expected: ImageListQuery.MemberStatusFilter) {
        #expect((try? parse("member_status=\(text)"))?.memberStatus == expected)
    }

    @Test(arguments: ["ALL", "bogus", "", "active"])
    func parse_memberStatus_unknownValue_is400(_ text: String) {
        #expect(status { () throws(DomainError) in try parse("member_status=\(text)") } == 400)
    }

    @Test func memberStatusFilter_statuses() {
        #expect(ImageListQuery.MemberStatusFilter.all.statuses == [.pending, .accepted, .rejected])
        #expect(ImageListQuery.MemberStatusFilter.pending.statuses == [.pending])
        #expect(ImageListQuery.MemberStatusFilter.accepted.statuses == [.accepted])
        #expect(ImageListQuery.MemberStatusFilter.rejected.statuses == [.rejected])
    }

    @Test(arguments: Visibility.allCases)
    func parse_visibility_eachValue(_ visibility: Visibility) {
        #expect((try? parse("visibility=\(visibility.rawValue)"))?.visibility == .only(visibility))
    }

    @Test func parse_visibilityAll_isAll() {
        #expect((try? parse("visibility=all"))?.visibility == .all)
    }

    @Test(arguments: ["everyone", "Public", "ALL"])
    func parse_visibility_unknownValue_is400(_ text: String) {
        #expect(status { () throws(DomainError) in try parse("visibility=\(text)") } == 400)
    }

    // MARK: exact-match filters

    @Test func parse_inLists_areSplitAndTrimmed() {
        // When
        let query = try? parse(
            "name=in:web,db", "owner=in:1001, 2002", "status=in:active,queued", "disk_format=in:raw,qcow2", "container_format=bare",
            "id=in:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
        // Then
        #expect(query?.names == ["web", "db"])
        #expect(query?.owners == ["1001", "2002"])
        #expect(query?.statuses == ["active", "queued"])
        #expect(query?.diskFormats == ["raw", "qcow2"])
        #expect(query?.containerFormats == ["bare"])
        #expect(query?.ids == ["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"])
    }

    @Test func parse_plainValue_isOneExactValue() {
        #expect((try? parse("name=my, image"))?.names == ["my, image"])
    }

    @Test func parse_unknownStatusValue_isAcceptedAndMatchesNothingLater() {
        // Glance answers 200 and an empty list for an unknown status filter.
        #expect((try? parse("status=bogus"))?.statuses == ["bogus"])
    }

    static let sizes: [QueryCase] = [
        QueryCase(["size_min=0"], "0-"), QueryCase(["size_min=100", "size_max=200"], "100-200"), QueryCase(["size_max=5"], "-5"),
        QueryCase(["size_min=-1"], "400"), QueryCase(["size_max=-1"], "400"), QueryCase(["size_min=abc"], "400"),
        QueryCase(["size_max=1.5"], "400"), QueryCase(["size_min="], "400"),
    ]

    @Test(arguments: sizes)
    func parse_sizeRange_mustBeNonNegativeIntegers(_ c: QueryCase) {
        let outcome: String
        do {
            let query = try ImageListQuery.parse(items(c.query))
            outcome = "\(query.sizeMin.map(String.init) ?? "")-\(query.sizeMax.map(String.init) ?? "")"
        } catch {
            outcome = String(error.statusCode)
        }
        #expect(outcome == c.expected)
    }

    @Test func parse_repeatedTag_collectsEveryTagTrimmed() {
        #expect((try? parse("tag=x86", "tag= 64bit "))?.tags == ["x86", "64bit"])
    }

    @Test(arguments: [("true", true), ("false", false)])
    func parse_protected_strictBooleans(_ text: String, _ expected: Bool) {
        #expect((try? parse("protected=\(text)"))?.protected == expected)
    }

    /// Glance compares `protected` as given (case-sensitive), but lower-cases `os_hidden`.
    @Test(arguments: ["True", "TRUE", "1", "yes", ""])
    func parse_protected_otherValues_are400(_ text: String) {
        #expect(status { () throws(DomainError) in try parse("protected=\(text)") } == 400)
    }

    @Test(arguments: [("true", true), ("false", false), ("TRUE", true), ("False", false)])
    func parse_osHidden_booleansIgnoringCase(_ text: String, _ expected: Bool) {
        #expect((try? parse("os_hidden=\(text)"))?.osHidden == expected)
    }

    @Test(arguments: ["1", "yes", ""])
    func parse_osHidden_otherValues_are400(_ text: String) {
        #expect(status { () throws(DomainError) in try parse("os_hidden=\(text)") } == 400)
    }

    // MARK: time filters

    static let times: [QueryCase] = [
        QueryCase(["created_at=gte:2024-01-31T12:00:00Z"], "gte@1706702400"),
        QueryCase(["created_at=gt:2024-01-31T12:00:00Z"], "gt@1706702400"),
        QueryCase(["created_at=lt:2024-01-31T12:00:00Z"], "lt@1706702400"),
        QueryCase(["created_at=lte:2024-01-31T12:00:00Z"], "lte@1706702400"),
        QueryCase(["created_at=eq:2024-01-31T12:00:00Z"], "eq@1706702400"),
        QueryCase(["created_at=neq:2024-01-31T12:00:00Z"], "neq@1706702400"),
        QueryCase(["created_at=2024-01-31T12:00:00Z"], "eq@1706702400"),
        QueryCase(["created_at=2024-01-31T14:00:00+02:00"], "eq@1706702400"),
        QueryCase(["created_at=gt:2024-01-31T14:00:00+02:00"], "gt@1706702400"),
        QueryCase(["created_at=lt:2024-01-31"], "lt@1706659200"),
        QueryCase(["created_at=gte:2024-01-01T00:00:00Z", "created_at=lt:2024-02-01T00:00:00Z"], "gte@1704067200,lt@1706745600"),
        QueryCase(["created_at=between:2024-01-31T12:00:00Z"], "400"),
        QueryCase(["created_at=GTE:2024-01-31T12:00:00Z"], "400"),
        QueryCase(["created_at=gte:yesterday"], "400"),
        QueryCase(["created_at=gte:"], "400"),
        QueryCase(["created_at="], "400"),
        QueryCase(["created_at=gte:2024-13-01T00:00:00Z"], "400"),
        QueryCase(["created_at=gte:2024-01-31T25:00:00Z"], "400"),
        QueryCase(["created_at=1706702400"], "400"),
    ]

    @Test(arguments: times)
    func parse_createdAt_operatorsAndDates(_ c: QueryCase) {
        let outcome: String
        do {
            let query = try ImageListQuery.parse(items(c.query))
            outcome = query.createdAt.map { "\($0.op.rawValue)@\(Int($0.date.timeIntervalSince1970))" }.joined(separator: ",")
        } catch {
            outcome = String(error.statusCode)
        }
        #expect(outcome == c.expected)
    }

    @Test func parse_updatedAt_isParsedLikeCreatedAt() {
        let query = try? parse("updated_at=lte:2024-01-31T12:00:00Z")
        #expect(query?.updatedAt.map(\.op) == [.lte])
        #expect(query?.updatedAt.first?.date == Date(timeIntervalSince1970: 1_706_702_400))
        #expect(query?.createdAt == [])
        #expect(status { () throws(DomainError) in try parse("updated_at=after:2024-01-31") } == 400)
    }

    @Test func parse_changesSince_isGoneInV2() {
        let error = refusal { () throws(DomainError) in try parse("changes-since=2024-01-01T00:00:00Z") }
        #expect(error == .invalid("The \"changes-since\" filter is no longer available on v2."))
    }

    // MARK: free-form property filters

    @Test func parse_unknownParameters_becomePropertyFilters() {
        let query = try? parse("os_distro=ubuntu", "hw_disk_bus=scsi", "limit=5")
        #expect(query?.properties == ["os_distro": "ubuntu", "hw_disk_bus": "scsi"])
        #expect(query?.limit == 5)
    }
}
