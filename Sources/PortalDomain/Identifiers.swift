import Foundation

/// A tenant (account) ID, the "DDI": 1 to 16 ASCII digits.
package struct TenantID: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The digits.
    package let rawValue: String

    /// Accepts exactly 1 to 16 ASCII digits; nil otherwise.
    package init?(rawValue: String) {
        let utf8 = rawValue.utf8
        guard (1...16).contains(utf8.count), utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        self.rawValue = rawValue
    }

    /// Parses a client-supplied tenant ID, explaining what is wrong with a malformed one.
    package static func parse(_ text: String) throws(DomainError) -> TenantID {
        guard let id = TenantID(rawValue: text) else {
            throw .invalid("'\(text.prefix(64))' is not a tenant ID: a tenant ID (DDI) is 1 to 16 digits.")
        }
        return id
    }

    package var description: String { rawValue }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = TenantID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a tenant ID"))
        }
        self = id
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// An identifier in canonical lower-case UUID form (8-4-4-4-12 hex digits).
package protocol UUIDIdentifier: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible
where RawValue == String {
    /// Wraps an already-canonical value.
    init(canonical: String)
    /// What to call it in error messages ("image", "server", ...).
    static var noun: String { get }
}

extension UUIDIdentifier {
    /// Accepts any-case UUID text and stores it lower-cased; nil when malformed.
    package init?(rawValue: String) {
        guard let canonical = canonicalUUID(rawValue) else { return nil }
        self.init(canonical: canonical)
    }

    /// A fresh random identifier.
    package static func generate() -> Self { Self(canonical: UUID().uuidString.lowercased()) }

    /// Parses client input; a malformed ID is a 400 that says so.
    package static func parse(_ text: String) throws(DomainError) -> Self {
        guard let id = Self(rawValue: text) else {
            throw .invalid("'\(text.prefix(64))' is not a valid \(noun) ID (expected a UUID).")
        }
        return id
    }

    /// Parses an ID from a URL path: a malformed ID is answered like an unknown one (404), as Glance
    /// does (openstacksdk's `find_image` relies on that to fall back to a search by name).
    package static func fromPath(_ text: String) throws(DomainError) -> Self {
        guard let id = Self(rawValue: text) else { throw .notFound("No \(noun) with ID \(text.prefix(64)).") }
        return id
    }

    package var description: String { rawValue }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a UUID"))
        }
        self = id
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Lower-cases `text` if it is a UUID in 8-4-4-4-12 form; nil otherwise.
private func canonicalUUID(_ text: String) -> String? {
    let utf8 = Array(text.utf8)
    guard utf8.count == 36 else { return nil }
    var out = [UInt8]()
    out.reserveCapacity(36)
    for (index, c) in utf8.enumerated() {
        switch index {
        case 8, 13, 18, 23:
            guard c == UInt8(ascii: "-") else { return nil }
            out.append(c)
        default:
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): out.append(c)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): out.append(c + 32)
            default: return nil
            }
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// An image's ID.
package struct ImageID: UUIDIdentifier {
    package let rawValue: String
    package init(canonical: String) { rawValue = canonical }
    package static var noun: String { "image" }
}

/// A server's ID (the built-in compute provider).
package struct ServerID: UUIDIdentifier {
    package let rawValue: String
    package init(canonical: String) { rawValue = canonical }
    package static var noun: String { "server" }
}

/// A task's ID (import and export tasks).
package struct TaskID: UUIDIdentifier {
    package let rawValue: String
    package init(canonical: String) { rawValue = canonical }
    package static var noun: String { "task" }
}

/// A staff account's name: 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter.
package struct StaffName: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The name.
    package let rawValue: String

    /// Accepts a well-formed staff name; nil otherwise.
    package init?(rawValue: String) {
        let utf8 = Array(rawValue.utf8)
        guard (1...64).contains(utf8.count), let first = utf8.first,
            first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"),
            utf8.allSatisfy({ c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                    || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            })
        else { return nil }
        self.rawValue = rawValue
    }

    private init(trusted: String) { rawValue = trusted }

    /// The name audit events give the command-line operator.
    package static let commandLineOperator = StaffName(trusted: "operator")

    /// Parses a client-supplied staff name.
    package static func parse(_ text: String) throws(DomainError) -> StaffName {
        guard let name = StaffName(rawValue: text) else {
            throw .invalid("'\(text.prefix(64))' is not a staff name: use 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter.")
        }
        return name
    }

    package var description: String { rawValue }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The public identifier of an API token (shown in lists, used to revoke). Never the secret.
package struct TokenID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// "tok_" followed by 16 lower-case hex digits.
    package let rawValue: String

    /// Accepts "tok_" + 16 hex digits; nil otherwise.
    package init?(rawValue: String) {
        let utf8 = Array(rawValue.utf8)
        guard utf8.count == 20, rawValue.hasPrefix("tok_"),
            utf8.dropFirst(4).allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// Parses a token ID given on the command line or in a form.
    package static func parse(_ text: String) throws(DomainError) -> TokenID {
        guard let id = TokenID(rawValue: text) else {
            throw .invalid("'\(text.prefix(64))' is not a token ID (expected tok_ followed by 16 hex digits).")
        }
        return id
    }

    package var description: String { rawValue }
}
