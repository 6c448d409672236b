package import Foundation

/// The typed fields of a new image, whichever API (v2 JSON, v1 headers, the portal form) supplied them.
package struct ImageDraft: Hashable, Sendable {
    package var id: ImageID?
    package var name: String?
    package var visibility: Visibility?
    package var diskFormat: DiskFormat?
    package var containerFormat: ContainerFormat?
    package var minDisk: Int = 0
    package var minRam: Int = 0
    package var protected: Bool = false
    package var osHidden: Bool = false
    package var tags: [String] = []
    /// Only admins may name an owner other than themselves.
    package var owner: TenantID?
    package var properties: [String: String] = [:]

    package init(
        id: ImageID? = nil, name: String? = nil, visibility: Visibility? = nil, diskFormat: DiskFormat? = nil,
        containerFormat: ContainerFormat? = nil, minDisk: Int = 0, minRam: Int = 0, protected: Bool = false,
        osHidden: Bool = false, tags: [String] = [], owner: TenantID? = nil, properties: [String: String] = [:]
    ) {
        self.id = id
        self.name = name
        self.visibility = visibility
        self.diskFormat = diskFormat
        self.containerFormat = containerFormat
        self.minDisk = minDisk
        self.minRam = minRam
        self.protected = protected
        self.osHidden = osHidden
        self.tags = tags
        self.owner = owner
        self.properties = properties
    }
}

/// One change to an image's metadata.
package enum ImageChange: Hashable, Sendable {
    case name(String?)
    case visibility(Visibility)
    case diskFormat(DiskFormat?)
    case containerFormat(ContainerFormat?)
    case minDisk(Int)
    case minRam(Int)
    case protected(Bool)
    case osHidden(Bool)
    case tags([String])
    case owner(TenantID)
    case setProperty(String, String)
    case removeProperty(String)
}

/// Rules for creating and changing images (PRODUCT "Visibility", "Image lifecycle"; Glance v2 semantics).
package enum ImageRules {
    /// The property operators set on base images that may not be exported (licensed OSes).
    package static let exportRestrictedKey = "export_restricted"
    /// Most tags an image may carry (Glance's `image_tag_quota`).
    package static let tagQuota = 128
    /// Most free-form properties an image may carry (Glance's `image_property_quota`).
    package static let propertyQuota = 128
    /// Longest name, tag, property key or property value.
    package static let maxNameLength = 255
    /// Longest property value.
    package static let maxPropertyValueLength = 65_535

    /// Attributes clients may never set (Glance's read-only list).
    package static let readOnlyAttributes: Set<String> = [
        "created_at", "updated_at", "status", "checksum", "size", "virtual_size", "direct_url", "self", "file", "schema",
        "id", "os_hash_algo", "os_hash_value", "stores",
    ]
    /// Attributes reserved by Glance.
    package static let reservedAttributes: Set<String> = ["location", "locations", "deleted", "deleted_at"]
    /// Properties in this namespace are reserved for the service (Glance's `os_glance_`).
    package static let reservedNamespace = "os_glance_"
    /// The base attributes; everything else is a free-form property.
    package static let baseAttributes: Set<String> = [
        "id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo", "os_hash_value", "owner",
        "size", "virtual_size", "container_format", "disk_format", "created_at", "updated_at", "tags", "direct_url", "min_ram",
        "min_disk", "self", "file", "stores", "schema", "locations",
    ]

    // MARK: Creating

    /// Who may create images at all.
    package static func requireMayCreate(_ principal: Principal) throws(DomainError) {
        if principal.isSupport { throw .forbidden("Support staff have read-only access.") }
    }

    /// Builds a new `queued` image from a draft, applying the visibility and ownership rules.
    package static func newImage(_ draft: ImageDraft, by principal: Principal, now: Date, origin: ImageOrigin = .upload) throws(DomainError) -> Image {
        try requireMayCreate(principal)
        let owner: TenantID
        switch (draft.owner, principal.tenantID) {
        case (let requested?, let own):
            guard requested == own || principal.isAdmin else {
                throw .forbidden("You are not permitted to create images owned by '\(requested)'.")
            }
            owner = requested
        case (nil, let own?):
            owner = own
        case (nil, nil):
            throw .invalid("A staff account has no tenant: name the owner tenant of the new image ('owner').")
        }
        let visibility = draft.visibility ?? .shared
        try checkVisibilityChange(to: visibility, by: principal)
        try checkPropertyWrites(draft.properties.keys, by: principal)
        try validate(name: draft.name)
        try validate(minDisk: draft.minDisk, minRam: draft.minRam)
        let tags = try normalizedTags(draft.tags)
        try validate(properties: draft.properties)
        return Image(
            id: draft.id ?? .generate(), name: draft.name, owner: owner, status: .queued, visibility: visibility,
            diskFormat: draft.diskFormat, containerFormat: draft.containerFormat, minDisk: draft.minDisk, minRam: draft.minRam,
            protected: draft.protected, osHidden: draft.osHidden, tags: tags, properties: draft.properties, origin: origin,
            createdAt: now, updatedAt: now)
    }

    /// Parses a Glance v2 create body (`POST /v2/images`) in Glance's order of checks:
    /// disallowed attributes (403), schema (400), reserved names (403), read-only attributes (403).
    package static func draft(fromV2 body: [String: JSONValue]) throws(DomainError) -> ImageDraft {
        for key in ["direct_url", "self", "file", "schema", "stores"] where body[key] != nil {
            throw .forbidden("Attribute '\(key)' is read-only.")
        }
        var draft = ImageDraft()
        // Schema validation of base attributes first (400), as Glance's deserializer does.
        for (key, value) in body.sorted(by: { $0.key < $1.key }) where baseAttributes.contains(key) {
            switch key {
            case "id":
                guard case .string(let text) = value, let id = ImageID(rawValue: text) else {
                    throw .invalid("Invalid image ID \(value.brief): it must be a UUID.")
                }
                draft.id = id
            case "name":
                draft.name = try optionalString(value, key: key, maxLength: maxNameLength)
            case "visibility":
                draft.visibility = try Visibility.parse(try string(value, key: key))
            case "protected":
                draft.protected = try bool(value, key: key)
            case "os_hidden":
                draft.osHidden = try bool(value, key: key)
            case "disk_format":
                draft.diskFormat = try optionalString(value, key: key).map { text throws(DomainError) in try DiskFormat.parse(text) }
            case "container_format":
                draft.containerFormat = try optionalString(value, key: key).map { text throws(DomainError) in try ContainerFormat.parse(text) }
            case "min_disk":
                draft.minDisk = try integer(value, key: key)
            case "min_ram":
                draft.minRam = try integer(value, key: key)
            case "tags":
                draft.tags = try stringArray(value, key: key)
            case "owner":
                if let text = try optionalString(value, key: key, maxLength: 255) { draft.owner = try TenantID.parse(text) }
            case "status", "checksum", "os_hash_algo", "os_hash_value", "created_at", "updated_at":
                _ = try optionalString(value, key: key)
            case "size", "virtual_size":
                if value != .null { _ = try integer(value, key: key) }
            case "locations":
                throw .forbidden("Attribute 'locations' is reserved.")
            default:
                break
            }
        }
        for (key, value) in body where !baseAttributes.contains(key) {
            guard case .string(let text) = value else {
                throw .invalid("Provided object does not match schema 'image': \(value.brief) is not of type 'string' (property '\(key.prefix(255))').")
            }
            draft.properties[key] = text
        }
        for key in draft.properties.keys {
            guard key.count <= 255 else { throw .invalid("Custom property should not be greater than 255 characters.") }
            if reservedAttributes.contains(key) || key.hasPrefix(reservedNamespace) { throw .forbidden("Attribute '\(key)' is reserved.") }
        }
        for key in ["created_at", "updated_at", "status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size"]
        where body[key] != nil {
            throw .forbidden("Attribute '\(key)' is read-only.")
        }
        return draft
    }

    // MARK: Changing

    /// One JSON-patch operation (`application/openstack-images-v2.1-json-patch`, or the draft-4 form of v2.0).
    package struct PatchOperation: Hashable, Sendable {
        package enum Op: String, Sendable { case add, remove, replace }
        package var op: Op
        /// The attribute name (decoded JSON pointer, one level deep).
        package var attribute: String
        package var value: JSONValue?
        /// Draft 4 (v2.0): `add` of something already present is a conflict, not a replace.
        package var strictAdd: Bool

        package init(op: Op, attribute: String, value: JSONValue?, strictAdd: Bool = false) {
            self.op = op
            self.attribute = attribute
            self.value = value
            self.strictAdd = strictAdd
        }
    }

    /// Parses a JSON-patch body. `draft10` is v2.1 (`{"op", "path", "value"}`); otherwise draft 4 (`{"replace": path, "value"}`).
    package static func patchOperations(from body: JSONValue, draft10: Bool) throws(DomainError) -> [PatchOperation] {
        guard case .array(let items) = body else { throw .invalid("Request body must be a JSON array of operation objects.") }
        var operations: [PatchOperation] = []
        for item in items {
            guard case .object(let raw) = item else { throw .invalid("Operations must be JSON objects.") }
            let op: PatchOperation.Op
            let path: String
            if draft10 {
                guard case .string(let opText)? = raw["op"] else {
                    throw .invalid("Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.")
                }
                guard let parsed = PatchOperation.Op(rawValue: opText) else {
                    throw .invalid("Invalid operation: `\(opText.prefix(32))`. It must be one of the following: add, remove, replace.")
                }
                op = parsed
                guard case .string(let pathText)? = raw["path"] else { throw .invalid("Unable to find 'path' in JSON Schema change") }
                path = pathText
            } else {
                let present = PatchOperation.Op.allCasesInOrder.filter { raw[$0.rawValue] != nil }
                guard present.count == 1, let only = present.first, case .string(let pathText)? = raw[only.rawValue] else {
                    throw .invalid("Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".")
                }
                op = only
                path = pathText
            }
            let parts = try decodePointer(path)
            guard parts.count == 1, let attribute = parts.first else {
                if parts.first == "locations" { throw .forbidden("It's not allowed to update locations if locations are invisible.") }
                throw .invalid("Invalid JSON pointer for this resource: '/\(parts.joined(separator: "/").prefix(255))'")
            }
            var value: JSONValue?
            if op != .remove {
                guard let provided = raw["value"] else { throw .invalid("Operation \"\(op.rawValue)\" requires a member named \"value\".") }
                value = provided
            }
            operations.append(PatchOperation(op: op, attribute: attribute, value: value, strictAdd: !draft10))
        }
        return operations
    }

    /// Turns patch operations into typed changes against the current image, with Glance's answers
    /// (read-only 403, reserved 403, removing a base attribute 403, a missing property 409, bad values 400).
    package static func changes(from operations: [PatchOperation], current: Image) throws(DomainError) -> [ImageChange] {
        var changes: [ImageChange] = []
        var properties = current.properties
        for operation in operations {
            let key = operation.attribute
            if readOnlyAttributes.contains(key) { throw .forbidden("Attribute '\(key)' is read-only.") }
            if reservedAttributes.contains(key) || key.hasPrefix(reservedNamespace) { throw .forbidden("Attribute '\(key)' is reserved.") }
            if operation.op == .add, operation.strictAdd, baseAttributes.contains(key) || properties[key] != nil {
                throw .conflict("Property \(key.prefix(255)) already present.")
            }
            if baseAttributes.contains(key) {
                guard operation.op != .remove, let value = operation.value else { throw .forbidden("Property \(key) may not be removed.") }
                changes.append(try baseChange(key: key, value: value))
                continue
            }
            switch operation.op {
            case .remove:
                guard properties.removeValue(forKey: key) != nil else { throw .conflict("Property \(key.prefix(255)) does not exist.") }
                changes.append(.removeProperty(key))
            case .replace, .add:
                if operation.op == .replace, properties[key] == nil { throw .conflict("Property \(key.prefix(255)) does not exist.") }
                guard key.count <= 255 else { throw .invalid("Custom property should not be greater than 255 characters.") }
                guard case .string(let text)? = operation.value else {
                    throw .invalid("Provided object does not match schema 'image': \(operation.value?.brief ?? "None") is not of type 'string'.")
                }
                properties[key] = text
                changes.append(.setProperty(key, text))
            }
        }
        return changes
    }

    /// Applies typed changes (already authorised as an `update`) with the lifecycle and visibility rules.
    package static func apply(_ changes: [ImageChange], to image: Image, by principal: Principal, now: Date) throws(DomainError) -> Image {
        var updated = image
        for change in changes {
            switch change {
            case .name(let name):
                try validate(name: name)
                updated.name = name
            case .visibility(let visibility):
                if visibility != image.visibility { try checkVisibilityChange(to: visibility, by: principal) }
                updated.visibility = visibility
            case .diskFormat(let format):
                if format != updated.diskFormat {
                    guard [.queued, .importing].contains(image.status) else {
                        throw .forbidden("Attribute disk_format can be only replaced for a queued image.")
                    }
                }
                updated.diskFormat = format
            case .containerFormat(let format):
                if format != updated.containerFormat {
                    guard [.queued, .importing].contains(image.status) else {
                        throw .forbidden("Attribute container_format can be only replaced for a queued image.")
                    }
                }
                updated.containerFormat = format
            case .minDisk(let value):
                try validate(minDisk: value, minRam: 0)
                updated.minDisk = value
            case .minRam(let value):
                try validate(minDisk: 0, minRam: value)
                updated.minRam = value
            case .protected(let value):
                updated.protected = value
            case .osHidden(let value):
                updated.osHidden = value
            case .tags(let tags):
                updated.tags = try normalizedTags(tags)
            case .owner(let owner):
                guard principal.isAdmin else { throw .forbidden("Owner can't be updated by non admin.") }
                updated.owner = owner
            case .setProperty(let key, let value):
                try checkPropertyWrites([key], by: principal)
                updated.properties[key] = value
            case .removeProperty(let key):
                try checkPropertyWrites([key], by: principal)
                updated.properties.removeValue(forKey: key)
            }
        }
        try validate(properties: updated.properties)
        if updated != image { updated.updatedAt = now }
        return updated
    }

    /// Adds one tag (`PUT .../tags/{tag}`); adding an existing tag changes nothing.
    package static func addingTag(_ tag: String, to image: Image, now: Date) throws(DomainError) -> Image {
        guard !image.tags.contains(tag) else { return image }
        var updated = image
        updated.tags = try normalizedTags(image.tags + [tag])
        updated.updatedAt = now
        return updated
    }

    /// Removes one tag (`DELETE .../tags/{tag}`); 404 when the image does not carry it.
    package static func removingTag(_ tag: String, from image: Image, now: Date) throws(DomainError) -> Image {
        guard image.tags.contains(tag) else { throw .notFound("Tag \(tag.prefix(255)) not found.") }
        var updated = image
        updated.tags.removeAll { $0 == tag }
        updated.updatedAt = now
        return updated
    }

    // MARK: Lifecycle

    /// What a data download should answer.
    package enum DownloadPlan: Hashable, Sendable {
        /// No data yet (queued, saving, importing): 204 with no body, as Glance does.
        case noData
        /// Stream the stored data.
        case data(size: Int64, checksum: String)
    }

    /// Checks a data download that the access policy allowed.
    package static func downloadPlan(for image: Image, by principal: Principal) throws(DomainError) -> DownloadPlan {
        switch image.status {
        case .deactivated:
            guard principal.isAdmin, let size = image.size, let checksum = image.checksum else {
                throw .forbidden("The requested image has been deactivated. Image data download is forbidden.")
            }
            return .data(size: size, checksum: checksum)
        case .active:
            guard let size = image.size, let checksum = image.checksum else { return .noData }
            return .data(size: size, checksum: checksum)
        case .deleted, .pendingDelete:
            throw .notFound("No image with ID \(image.id).")
        default:
            return .noData
        }
    }

    /// Starts an upload: only a queued image takes data (data is immutable once active).
    package static func startingUpload(_ image: Image, now: Date) throws(DomainError) -> Image {
        guard image.status == .queued else {
            throw .conflict("Image \(image.id) has status '\(image.status.rawValue)': data can only be uploaded to a queued image, and image data is immutable once stored.")
        }
        try requireFormats(ImageDraft(diskFormat: image.diskFormat, containerFormat: image.containerFormat))
        var updated = image
        updated.status = .saving
        updated.updatedAt = now
        return updated
    }

    /// Marks an image active with its data facts, checking sizes and checksums the client declared.
    package static func activating(_ image: Image, with facts: ImageDataFacts, now: Date) -> Image {
        var updated = image
        updated.status = .active
        updated.size = facts.size
        updated.virtualSize = facts.virtualSize ?? (image.diskFormat == .raw ? facts.size : nil)
        updated.checksum = facts.checksum
        updated.osHashAlgo = "sha512"
        updated.osHashValue = facts.sha512
        updated.updatedAt = now
        return updated
    }

    /// Checks what the client declared about its data against what arrived (400 and nothing kept when they differ).
    package static func verifyDeclared(size: Int64?, checksum: String?, against facts: ImageDataFacts) throws(DomainError) {
        if let size, size != facts.size {
            throw .invalid("The declared size (\(size) bytes) does not match the \(facts.size) bytes received; nothing was stored.")
        }
        if let checksum, checksum.lowercased() != facts.checksum {
            throw .invalid("The declared checksum \(checksum.prefix(64)) does not match the MD5 of the data received (\(facts.checksum)); nothing was stored.")
        }
    }

    /// `POST .../actions/deactivate`: active becomes deactivated; deactivated stays; anything else is refused.
    package static func deactivating(_ image: Image, now: Date) throws(DomainError) -> Image {
        try switching(image, from: .active, to: .deactivated, verb: "deactivate", now: now)
    }

    /// `POST .../actions/reactivate`: deactivated becomes active; active stays; anything else is refused.
    package static func reactivating(_ image: Image, now: Date) throws(DomainError) -> Image {
        try switching(image, from: .deactivated, to: .active, verb: "reactivate", now: now)
    }

    /// Moves an image between two statuses: already there changes nothing; any other status is refused (403).
    private static func switching(_ image: Image, from: ImageStatus, to: ImageStatus, verb: String, now: Date) throws(DomainError) -> Image {
        if image.status == to { return image }
        guard image.status == from else { throw .forbidden("Not allowed to \(verb) image in status '\(image.status.rawValue)'.") }
        var updated = image
        updated.status = to
        updated.updatedAt = now
        return updated
    }

    /// Deletes an image: refused while protected; the row stays as `deleted` for lineage and audit.
    package static func deleting(_ image: Image, now: Date) throws(DomainError) -> Image {
        guard !image.protected else { throw .forbidden("Image \(image.id) is protected and cannot be deleted.") }
        var updated = image
        updated.status = .deleted
        updated.deletedAt = now
        updated.updatedAt = now
        return updated
    }

    /// A declared size above the upload cap is refused before any byte is read (413).
    package static func checkDeclaredSize(_ declared: Int64?, cap: Int64) throws(DomainError) {
        if let declared, declared > cap {
            throw .tooLarge("The declared size (\(declared) bytes) exceeds the \(ByteFormat.size(cap)) upload limit.")
        }
    }

    /// The refusal when more data arrives than the upload cap allows (413, nothing kept).
    package static func tooLarge(cap: Int64) -> DomainError {
        .tooLarge("The data is larger than the \(ByteFormat.size(cap)) upload limit; nothing was stored.")
    }

    /// Uploads with data in the request need both formats first (Glance's check).
    package static func requireFormats(_ draft: ImageDraft) throws(DomainError) {
        guard draft.diskFormat != nil, draft.containerFormat != nil else {
            throw .invalid("Properties disk_format, container_format must be set prior to saving data.")
        }
    }

    /// Booting needs an active image.
    package static func requireBootable(_ image: Image) throws(DomainError) {
        guard image.status == .active else {
            throw .invalid("Image \(image.id) is not active (status \(image.status.rawValue)); only active images can boot a server.")
        }
    }

    // MARK: Values

    /// Only admins may make an image public (Glance's `publicize_image`).
    package static func checkVisibilityChange(to visibility: Visibility, by principal: Principal) throws(DomainError) {
        if visibility == .public && !principal.isAdmin {
            throw .forbidden("Only admins may make an image public.")
        }
    }

    /// Only admins may set or remove `export_restricted`.
    package static func checkPropertyWrites(_ keys: some Sequence<String>, by principal: Principal) throws(DomainError) {
        for key in keys where key == exportRestrictedKey && !principal.isAdmin {
            throw .forbidden("Only admins may set or remove the '\(exportRestrictedKey)' property.")
        }
    }

    private static func validate(name: String?) throws(DomainError) {
        if let name, name.count > maxNameLength { throw .invalid("The name is longer than \(maxNameLength) characters.") }
    }

    private static func validate(minDisk: Int, minRam: Int) throws(DomainError) {
        if minDisk < 0 { throw .invalid("min_disk cannot be a negative value.") }
        if minRam < 0 { throw .invalid("min_ram cannot be a negative value.") }
    }

    private static func validate(properties: [String: String]) throws(DomainError) {
        if properties.count > propertyQuota {
            throw .tooLarge("An image may carry at most \(propertyQuota) properties.")
        }
        for (key, value) in properties {
            guard !key.isEmpty else { throw .invalid("A property name cannot be empty.") }
            guard value.utf8.count <= maxPropertyValueLength else {
                throw .invalid("The value of property '\(key.prefix(255))' is longer than \(maxPropertyValueLength) bytes.")
            }
        }
    }

    /// Removes duplicates (keeping first occurrences) and enforces the tag rules.
    package static func normalizedTags(_ tags: [String]) throws(DomainError) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for tag in tags where seen.insert(tag).inserted {
            guard !tag.isEmpty, tag.count <= maxNameLength else { throw .invalid("A tag must be 1 to \(maxNameLength) characters.") }
            result.append(tag)
        }
        if result.count > tagQuota { throw .tooLarge("An image may carry at most \(tagQuota) tags.") }
        return result
    }

    private static func baseChange(key: String, value: JSONValue) throws(DomainError) -> ImageChange {
        switch key {
        case "name": return .name(try optionalString(value, key: key, maxLength: maxNameLength))
        case "visibility": return .visibility(try Visibility.parse(try string(value, key: key)))
        case "protected": return .protected(try bool(value, key: key))
        case "os_hidden": return .osHidden(try bool(value, key: key))
        case "disk_format": return .diskFormat(try optionalString(value, key: key).map { text throws(DomainError) in try DiskFormat.parse(text) })
        case "container_format":
            return .containerFormat(try optionalString(value, key: key).map { text throws(DomainError) in try ContainerFormat.parse(text) })
        case "min_disk": return .minDisk(try integer(value, key: key))
        case "min_ram": return .minRam(try integer(value, key: key))
        case "tags": return .tags(try stringArray(value, key: key))
        case "owner":
            guard let text = try optionalString(value, key: key, maxLength: 255) else { throw .invalid("owner cannot be null.") }
            return .owner(try TenantID.parse(text))
        default:
            throw .forbidden("Attribute '\(key)' is read-only.")
        }
    }

    private static func string(_ value: JSONValue, key: String) throws(DomainError) -> String {
        guard case .string(let text) = value else { throw typeError(value, key: key, expected: "string") }
        return text
    }

    private static func optionalString(_ value: JSONValue, key: String, maxLength: Int? = nil) throws(DomainError) -> String? {
        switch value {
        case .null: return nil
        case .string(let text):
            if let maxLength, text.count > maxLength { throw .invalid("'\(key)' is longer than \(maxLength) characters.") }
            return text
        default: throw typeError(value, key: key, expected: "null, string")
        }
    }

    private static func bool(_ value: JSONValue, key: String) throws(DomainError) -> Bool {
        guard case .bool(let flag) = value else { throw typeError(value, key: key, expected: "boolean") }
        return flag
    }

    private static func integer(_ value: JSONValue, key: String) throws(DomainError) -> Int {
        guard case .int(let number) = value, let small = Int(exactly: number) else { throw typeError(value, key: key, expected: "integer") }
        return small
    }

    private static func stringArray(_ value: JSONValue, key: String) throws(DomainError) -> [String] {
        guard case .array(let items) = value else { throw typeError(value, key: key, expected: "array") }
        var result: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw typeError(item, key: key, expected: "string") }
            guard text.count <= maxNameLength else { throw .invalid("A tag must be 1 to \(maxNameLength) characters.") }
            result.append(text)
        }
        return result
    }

    private static func typeError(_ value: JSONValue, key: String, expected: String) -> DomainError {
        .invalid("Provided object does not match schema 'image': \(value.brief) is not of type '\(expected)' (attribute '\(key)').")
    }

    private static func decodePointer(_ pointer: String) throws(DomainError) -> [String] {
        guard pointer.hasPrefix("/") else { throw .invalid("Pointer `\(pointer.prefix(255))` does not start with \"/\".") }
        if pointer.count > 1 && pointer.hasSuffix("/") { throw .invalid("Pointer `\(pointer.prefix(255))` end with \"/\".") }
        if pointer.contains("//") { throw .invalid("Pointer `\(pointer.prefix(255))` contains adjacent \"/\".") }
        var parts: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var part = ""
            var iterator = raw.makeIterator()
            while let c = iterator.next() {
                if c == "~" {
                    switch iterator.next() {
                    case "0": part.append("~")
                    case "1": part.append("/")
                    default: throw .invalid("Pointer `\(pointer.prefix(255))` contains \"~\" not part of a recognized escape sequence.")
                    }
                } else {
                    part.append(c)
                }
            }
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw .invalid("Pointer `\(pointer.prefix(255))` does not contains valid token.") }
            parts.append(trimmed)
        }
        return parts
    }
}

extension ImageRules.PatchOperation.Op {
    fileprivate static let allCasesInOrder: [Self] = [.add, .remove, .replace]
}
