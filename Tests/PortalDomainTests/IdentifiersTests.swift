import Foundation
import PortalDomain
import Testing

// Typed identifiers: a malformed ID is a 400 before any handler runs (CONVENTIONS 2).

@Suite("TenantID")
struct TenantIDTests {
    @Test(arguments: ["0", "1", "1001", "0042", "1234567890123456"])
    func init_oneToSixteenASCIIDigits_isAccepted(_ text: String) {
        #expect(TenantID(rawValue: text)?.rawValue == text)
    }

    @Test(arguments: [
        "", "12345678901234567", "12a", "a12", " 123", "123 ", "12 3", "-1", "+1", "1.0", "0x1f", "1e3",
        "١٢٣",  // Arabic-Indic digits
        "１２３",  // full-width digits
        "१२३",  // Devanagari digits
        "12\u{0}", "12\n",
    ])
    func init_anythingElse_isRejected(_ text: String) {
        #expect(TenantID(rawValue: text) == nil)
    }

    @Test func parse_malformed_is400ExplainingTheFormat() {
        let error = refusal { () throws(DomainError) in try TenantID.parse("abc") }
        #expect(error == .invalid("'abc' is not a tenant ID: a tenant ID (DDI) is 1 to 16 digits."))
    }

    @Test func parse_veryLongInput_isTruncatedInTheMessage() {
        let error = refusal { () throws(DomainError) in try TenantID.parse(String(repeating: "x", count: 1000)) }
        #expect((error?.message.count ?? 0) < 200)
    }

    @Test func codable_roundTripsAsAJSONString_andRefusesMalformedValues() throws {
        // Given
        let id = TenantID(rawValue: "1001")!
        // When
        let data = try JSONEncoder().encode([id])
        // Then
        #expect(String(decoding: data, as: UTF8.self) == #"["1001"]"#)
        #expect(try JSONDecoder().decode([TenantID].self, from: data) == [id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([TenantID].self, from: Data(#"["12a"]"#.utf8)) }
    }

    @Test func description_isTheDigits() {
        #expect("\(Tenants.owner)" == "1001")
    }
}

@Suite("UUID identifiers")
struct UUIDIdentifierTests {
    @Test(arguments: [
        ("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
        ("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
        ("6F9619FF-8b86-D011-b42d-00C04FC964FF", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        ("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"),
    ])
    func init_anyCaseUUID_isStoredLowerCase(_ text: String, _ canonical: String) {
        #expect(ImageID(rawValue: text)?.rawValue == canonical)
        #expect(ServerID(rawValue: text)?.rawValue == canonical)
        #expect(TaskID(rawValue: text)?.rawValue == canonical)
    }

    @Test func init_differentCases_areTheSameID() {
        #expect(ImageID(rawValue: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE") == ImageID(rawValue: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"))
    }

    @Test(arguments: [
        "", "aaaaaaaabbbb4ccc8dddeeeeeeeeeeee", "{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee",
        "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeeee", "gaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "aaaaaaaa_bbbb_4ccc_8ddd_eeeeeeeeeeee",
        "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee ", " aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee", "aaaaaaa-bbbbb-4ccc-8ddd-eeeeeeeeeeee",
        "ａaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee",
    ])
    func init_malformed_isRejected(_ text: String) {
        #expect(ImageID(rawValue: text) == nil)
    }

    @Test func parse_malformed_is400NamingTheNoun() {
        #expect(refusal { () throws(DomainError) in try ImageID.parse("x") } == .invalid("'x' is not a valid image ID (expected a UUID)."))
        #expect(refusal { () throws(DomainError) in try ServerID.parse("x") } == .invalid("'x' is not a valid server ID (expected a UUID)."))
        #expect(refusal { () throws(DomainError) in try TaskID.parse("x") } == .invalid("'x' is not a valid task ID (expected a UUID)."))
    }

    @Test func generate_givesDistinctCanonicalIDs() {
        // When
        let ids = (0..<50).map { _ in ImageID.generate() }
        // Then
        #expect(Set(ids).count == 50)
        for id in ids {
            #expect(ImageID(rawValue: id.rawValue) == id)
            #expect(id.rawValue == id.rawValue.lowercased())
        }
    }

    @Test func codable_decodesAnyCaseAndEncodesLowerCase() throws {
        let decoded = try JSONDecoder().decode([ImageID].self, from: Data(#"["AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"]"#.utf8))
        #expect(decoded.first?.rawValue == "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
        #expect(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self) == #"["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ImageID].self, from: Data(#"["nope"]"#.utf8)) }
    }
}

@Suite("StaffName")
struct StaffNameTests {
    @Test(arguments: ["a", "alice", "a.b_c-1", "ops2", String(repeating: "a", count: 64)])
    func init_wellFormed_isAccepted(_ text: String) {
        #expect(StaffName(rawValue: text)?.rawValue == text)
    }

    @Test(arguments: [
        "", String(repeating: "a", count: 65), "Alice", "1abc", ".alice", "-alice", "_alice", "al ice", "alice!", "ålice", "alice@example",
        "ａlice",
    ])
    func init_malformed_isRejected(_ text: String) {
        #expect(StaffName(rawValue: text) == nil)
    }

    @Test func parse_malformed_is400() {
        #expect(refusal { () throws(DomainError) in try StaffName.parse("Bob") }?.statusCode == 400)
        #expect((try? StaffName.parse("bob"))?.rawValue == "bob")
    }

    @Test func commandLineOperator_isAValidName() {
        #expect(StaffName.commandLineOperator.rawValue == "operator")
        #expect(StaffName(rawValue: StaffName.commandLineOperator.rawValue) == StaffName.commandLineOperator)
    }
}

@Suite("TokenID")
struct TokenIDTests {
    @Test(arguments: ["tok_0123456789abcdef", "tok_0000000000000000", "tok_ffffffffffffffff"])
    func init_tokPrefixAnd16LowerHexDigits_isAccepted(_ text: String) {
        #expect(TokenID(rawValue: text)?.rawValue == text)
    }

    @Test(arguments: [
        "", "tok_", "tok_0123456789abcde", "tok_0123456789abcdef0", "tok_0123456789ABCDEF", "TOK_0123456789abcdef", "tak_0123456789abcdef",
        "0123456789abcdef0123", "tok-0123456789abcdef", "tok_0123456789abcdeg",
    ])
    func init_malformed_isRejected(_ text: String) {
        #expect(TokenID(rawValue: text) == nil)
    }

    @Test func parse_malformed_is400() {
        #expect(refusal { () throws(DomainError) in try TokenID.parse("tok_x") }?.statusCode == 400)
    }
}
