import Foundation
import HTTPTypes
import NIOCore
import PortalCore
import PortalDomain

/// Glance v1: image metadata in `x-image-meta-*` headers, properties in
/// `x-image-meta-property-*`, mapped to and from the same image records v2 and the portal use.
enum V1Mapping {
    static let metaPrefix = "x-image-meta-"
    static let propertyPrefix = "x-image-meta-property-"

    /// What a v1 request's headers say about an image.
    struct Metadata: Equatable {
        /// Base attributes by normalised name (`disk_format`, `is_public`, ...).
        var fields: [String: String] = [:]
        /// Free-form properties by normalised key.
        var properties: [String: String] = [:]
    }

    /// Normalises a key as Glance v1 does: lower-cased, dashes and punctuation become underscores.
    static func normalise(_ key: some StringProtocol) -> String {
        String(key.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// Reads the `x-image-meta-*` headers. python-glanceclient's v1 client percent-encodes every
    /// header name and value (RFC 8187 style, so that they stay ASCII): both are decoded here.
    static func metadata(from headers: HTTPFields) -> Metadata {
        var metadata = Metadata()
        for field in headers {
            let name = decoded(field.name.canonicalName).lowercased()
            let value = decoded(field.value)
            if name.hasPrefix(propertyPrefix) {
                let key = normalise(name.dropFirst(propertyPrefix.count))
                if !key.isEmpty { metadata.properties[key] = value }
            } else if name.hasPrefix(metaPrefix) {
                metadata.fields[normalise(name.dropFirst(metaPrefix.count))] = value
            }
        }
        return metadata
    }

    /// A percent-decoded header text; text that is not validly encoded stays as it came.
    static func decoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        return text.removingPercentEncoding ?? text
    }

    /// The optional body of `PUT .../members/{member}`: `{"member": {"can_share": bool}}`.
    static func canShare(fromBody body: ByteBuffer) throws(DomainError) -> Bool? {
        guard body.readableBytes > 0 else { return nil }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) else {
            throw .invalid("Expected no body, or {\"member\": {\"can_share\": true|false}}.")
        }
        guard case .object(let member)? = object["member"], let value = member["can_share"] else { return nil }
        guard case .bool(let flag) = value else { throw .invalid("can_share must be true or false.") }
        return flag
    }

    /// The body of `PUT .../members`: `{"memberships": [{"member_id", "can_share"?}, ...]}`.
    static func memberships(from body: [String: JSONValue]) throws(DomainError) -> [MembershipEntry] {
        guard case .array(let items)? = body["memberships"] else {
            throw .invalid("Expected {\"memberships\": [{\"member_id\": ..., \"can_share\": ...}, ...]}.")
        }
        var entries: [MembershipEntry] = []
        for item in items {
            guard case .object(let entry) = item, case .string(let member)? = entry["member_id"] else {
                throw .invalid("Each membership needs a member_id.")
            }
            var canShare: Bool?
            if let value = entry["can_share"] {
                guard case .bool(let flag) = value else { throw .invalid("can_share must be true or false.") }
                canShare = flag
            }
            entries.append(MembershipEntry(member: member, canShare: canShare))
        }
        return entries
    }

    /// Attributes a client may not set through v1.
    static let readOnly: Set<String> = ["status", "created_at", "updated_at", "deleted_at", "deleted", "virtual_size"]
    /// Attributes this service does not support (external locations, stores, copy-from).
    static let unsupported: Set<String> = ["location", "store", "copy_from"]
    /// Attributes v1 understands.
    static let known: Set<String> = [
        "id", "name", "disk_format", "container_format", "size", "checksum", "is_public", "protected", "min_ram", "min_disk", "owner",
    ]

    /// A v1 boolean: "true"/"false" in any case (and 1/0, yes/no, as oslo's bool_from_string).
    static func bool(_ text: String, name: String) throws(DomainError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on", "y", "t": return true
        case "false", "0", "no", "off", "n", "f": return false
        default: throw .invalid("x-image-meta-\(name) must be true or false, not '\(text.prefix(32))'.")
        }
    }

    /// A boolean header's value, unless it says "None": python-glanceclient's v1 `image-create` sends
    /// `x-image-meta-is_public: None` when the flag was not given (Glance reads it as not set).
    static func given(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.lowercased() != "none" else { return nil }
        return text
    }

    static func integer(_ text: String, name: String) throws(DomainError) -> Int {
        guard let value = Int(text), value >= 0 else { throw .invalid("x-image-meta-\(name) must be a non-negative integer, not '\(text.prefix(32))'.") }
        return value
    }

    /// Refuses what v1 may not set, in the order Glance checks.
    static func checkSettable(_ metadata: Metadata) throws(DomainError) {
        for key in metadata.fields.keys.sorted() {
            if unsupported.contains(key) { throw .invalid("x-image-meta-\(key) is not supported by this service: image data is uploaded, never referenced.") }
            if readOnly.contains(key) { throw .forbidden("Attribute '\(key)' is read-only.") }
        }
        for key in metadata.properties.keys where ImageRules.reservedAttributes.contains(key) || key.hasPrefix(ImageRules.reservedNamespace) {
            throw .forbidden("Attribute '\(key)' is reserved.")
        }
    }

    /// A new image's draft from v1 headers. `is_public=true` is visibility public (admins only, checked by
    /// the image rules); otherwise the image is `shared`, the v2 default.
    static func draft(_ metadata: Metadata) throws(DomainError) -> ImageDraft {
        try checkSettable(metadata)
        var draft = ImageDraft()
        let f = metadata.fields
        if let text = f["id"] { draft.id = try ImageID.parse(text) }
        if let name = f["name"] { draft.name = name }
        if let text = f["disk_format"] { draft.diskFormat = try DiskFormat.parse(text) }
        if let text = f["container_format"] { draft.containerFormat = try ContainerFormat.parse(text) }
        if let text = given(f["is_public"]) { draft.visibility = try bool(text, name: "is_public") ? .public : .shared }
        if let text = given(f["protected"]) { draft.protected = try bool(text, name: "protected") }
        if let text = f["min_ram"] { draft.minRam = try integer(text, name: "min_ram") }
        if let text = f["min_disk"] { draft.minDisk = try integer(text, name: "min_disk") }
        if let text = f["owner"], !text.isEmpty, text.lowercased() != "none", text.lowercased() != "null" { draft.owner = try TenantID.parse(text) }
        draft.properties = metadata.properties
        return draft
    }

    /// The declared size and checksum, which must match the data sent.
    static func declared(_ metadata: Metadata) throws(DomainError) -> DeclaredData {
        var size: Int64?
        if let text = metadata.fields["size"] {
            guard let value = Int64(text), value >= 0 else { throw .invalid("x-image-meta-size must be a non-negative integer.") }
            size = value
        }
        return DeclaredData(size: size, checksum: metadata.fields["checksum"])
    }

    /// Without data, declaring its size or checksum makes no sense (400).
    static func requireNoDataFacts(_ declared: DeclaredData) throws(DomainError) {
        guard declared.checksum == nil, (declared.size ?? 0) == 0 else {
            throw .invalid("x-image-meta-size and x-image-meta-checksum describe data: send them together with the data.")
        }
    }

    /// Changes to an image from a v1 PUT. With `purge`, properties not named are removed.
    static func changes(_ metadata: Metadata, purge: Bool, current: Image) throws(DomainError) -> [ImageChange] {
        try checkSettable(metadata)
        var changes: [ImageChange] = []
        let f = metadata.fields
        if let name = f["name"] { changes.append(.name(name)) }
        if let text = f["disk_format"] { changes.append(.diskFormat(try DiskFormat.parse(text))) }
        if let text = f["container_format"] { changes.append(.containerFormat(try ContainerFormat.parse(text))) }
        if let text = given(f["is_public"]) {
            let isPublic = try bool(text, name: "is_public")
            if isPublic {
                changes.append(.visibility(.public))
            } else if current.visibility == .public {
                changes.append(.visibility(.shared))
            }
        }
        if let text = given(f["protected"]) { changes.append(.protected(try bool(text, name: "protected"))) }
        if let text = f["min_ram"] { changes.append(.minRam(try integer(text, name: "min_ram"))) }
        if let text = f["min_disk"] { changes.append(.minDisk(try integer(text, name: "min_disk"))) }
        if let text = f["owner"], !text.isEmpty { changes.append(.owner(try TenantID.parse(text))) }
        for (key, value) in metadata.properties.sorted(by: { $0.key < $1.key }) where current.properties[key] != value {
            changes.append(.setProperty(key, value))
        }
        if purge {
            for key in current.properties.keys.sorted() where metadata.properties[key] == nil {
                changes.append(.removeProperty(key))
            }
        }
        return changes
    }

    /// v1 timestamps: `2024-01-31T12:00:00.000000`.
    static func time(_ date: Date) -> String {
        String(Timestamp.iso8601(date).dropLast()) + ".000000"
    }

    /// The `x-image-meta-*` headers of an image (HEAD and GET).
    static func headers(for image: Image) -> HTTPFields {
        var headers = HTTPFields()
        func set(_ name: String, _ value: String?) {
            guard let fieldName = HTTPField.Name(metaPrefix + name) else { return }
            headers[fieldName] = value ?? "None"
        }
        set("id", image.id.rawValue)
        set("name", image.name)
        set("disk_format", image.diskFormat?.rawValue)
        set("container_format", image.containerFormat?.rawValue)
        set("size", String(image.size ?? 0))
        set("virtual_size", image.virtualSize.map(String.init))
        set("checksum", image.checksum)
        set("created_at", time(image.createdAt))
        set("updated_at", time(image.updatedAt))
        set("deleted_at", nil)
        set("deleted", "False")
        set("status", image.status.rawValue)
        set("is_public", image.visibility == .public ? "True" : "False")
        set("protected", image.protected ? "True" : "False")
        set("min_ram", String(image.minRam))
        set("min_disk", String(image.minDisk))
        set("owner", image.owner.rawValue)
        for (key, value) in image.properties.sorted(by: { $0.key < $1.key }) {
            // Header values cannot carry line breaks: such values are only readable through v2.
            guard !value.contains(where: { $0 == "\r" || $0 == "\n" }) else { continue }
            set("property-" + key, value)
        }
        if let checksum = image.checksum { headers[.eTag] = checksum }
        return headers
    }

    /// The detailed JSON of an image (`/v1/images/detail`, create and update answers).
    static func writeDetail(_ image: Image, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", image.id.rawValue)
        json.field("name", image.name)
        json.field("disk_format", image.diskFormat?.rawValue)
        json.field("container_format", image.containerFormat?.rawValue)
        json.field("size", image.size ?? 0)
        json.field("virtual_size", image.virtualSize)
        json.field("checksum", image.checksum)
        json.field("created_at", time(image.createdAt))
        json.field("updated_at", time(image.updatedAt))
        json.key("deleted_at")
        json.null()
        json.field("deleted", false)
        json.field("status", image.status.rawValue)
        json.field("is_public", image.visibility == .public)
        json.field("protected", image.protected)
        json.field("min_ram", image.minRam)
        json.field("min_disk", image.minDisk)
        json.field("owner", image.owner.rawValue)
        json.key("properties")
        json.beginObject()
        for (key, value) in image.properties.sorted(by: { $0.key < $1.key }) { json.field(key, value) }
        json.endObject()
        json.endObject()
    }

    /// The brief JSON of an image (`/v1/images`).
    static func writeBrief(_ image: Image, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", image.id.rawValue)
        json.field("name", image.name)
        json.field("disk_format", image.diskFormat?.rawValue)
        json.field("container_format", image.containerFormat?.rawValue)
        json.field("size", image.size ?? 0)
        json.field("checksum", image.checksum)
        json.endObject()
    }

    /// A v1 list query over the v2 rules: the v1 filters (name, formats, status, size range), `property-*`, `is_public`,
    /// `sort_key`/`sort_dir` (default created_at desc), `limit` and `marker`.
    static func listQuery(_ items: [(name: String, value: String)]) throws(DomainError) -> ImageListQuery {
        var mapped: [(name: String, value: String)] = []
        var visibility: String?
        for (name, value) in items {
            switch name {
            case "name", "disk_format", "container_format", "status", "size_min", "size_max", "sort_key", "sort_dir", "limit", "marker":
                mapped.append((name, value))
            case "is_public":
                switch value.lowercased() {
                case "none", "": visibility = nil
                case "true", "1", "yes": visibility = "public"
                case "false", "0", "no": visibility = "nonpublic"
                default: throw .invalid("is_public must be true, false or None.")
                }
            default:
                if name.hasPrefix("property-") { mapped.append((normalise(name.dropFirst("property-".count)), value)) }
            }
        }
        var query = try ImageListQuery.parse(mapped)
        if mapped.filter({ $0.name == "sort_key" }).count > 1 || mapped.filter({ $0.name == "sort_dir" }).count > 1 {
            throw .invalid("Glance v1 takes one sort_key and one sort_dir.")
        }
        if !mapped.contains(where: { $0.name == "limit" }) { query.limit = 25 }
        switch visibility {
        case "public": query.visibility = .only(.public)
        case "nonpublic": query.excludePublic = true
        default: break
        }
        return query
    }
}
