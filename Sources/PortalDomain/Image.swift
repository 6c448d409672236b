package import Foundation

/// An image's lifecycle status (Glance's names).
package enum ImageStatus: String, Codable, Sendable, CaseIterable {
    case queued, saving, active, killed, deleted, importing, deactivated, uploading
    case pendingDelete = "pending_delete"

    /// Statuses in which the image has (immutable) data.
    package var hasData: Bool { self == .active || self == .deactivated }
}

/// Who may see and use an image.
package enum Visibility: String, Codable, Sendable, CaseIterable {
    /// Everyone lists and uses it.
    case `public`
    /// Everyone may use it by ID or with `visibility=community`; not in default lists.
    case community
    /// The owner and its members.
    case shared
    /// The owner only.
    case `private`

    /// Parses a client-supplied value.
    package static func parse(_ text: String) throws(DomainError) -> Visibility {
        guard let value = Visibility(rawValue: text) else {
            throw .invalid("Invalid visibility value: \(text.prefix(64)). It must be one of: public, community, shared, private.")
        }
        return value
    }
}

/// Where an image came from: the edge of its lineage.
package enum ImageOrigin: Hashable, Sendable {
    /// Data uploaded by the owner (API or portal).
    case upload
    /// Imported from one of the owner's objects; `sourceImage` is the image that object was exported from, if any.
    case importObject(container: String, object: String, sourceImage: ImageID?)
    /// A snapshot of a server, which was booted from `bootImage`.
    case snapshot(server: ServerID, bootImage: ImageID)
    /// A copy of another image.
    case copy(of: ImageID)

    /// The kind, as stored and shown ("upload", "import", "snapshot", "copy").
    package var kind: String {
        switch self {
        case .upload: "upload"
        case .importObject: "import"
        case .snapshot: "snapshot"
        case .copy: "copy"
        }
    }

    /// The image this one was derived from, if any: the next step up the lineage.
    package var parentImage: ImageID? {
        switch self {
        case .upload: nil
        case .importObject(_, _, let source): source
        case .snapshot(_, let boot): boot
        case .copy(let of): of
        }
    }
}

/// An image record: metadata, data facts and lineage.
package struct Image: Hashable, Sendable {
    package var id: ImageID
    package var name: String?
    package var owner: TenantID
    package var status: ImageStatus
    package var visibility: Visibility
    package var diskFormat: DiskFormat?
    package var containerFormat: ContainerFormat?
    package var size: Int64?
    package var virtualSize: Int64?
    /// MD5 of the data, lower-case hex.
    package var checksum: String?
    package var osHashAlgo: String?
    package var osHashValue: String?
    package var minDisk: Int
    package var minRam: Int
    package var protected: Bool
    package var osHidden: Bool
    /// Tags in insertion order, without duplicates.
    package var tags: [String]
    /// Free-form string properties.
    package var properties: [String: String]
    package var origin: ImageOrigin
    package var createdAt: Date
    package var updatedAt: Date
    package var deletedAt: Date?

    package init(
        id: ImageID, name: String?, owner: TenantID, status: ImageStatus = .queued, visibility: Visibility = .shared,
        diskFormat: DiskFormat? = nil, containerFormat: ContainerFormat? = nil, size: Int64? = nil, virtualSize: Int64? = nil,
        checksum: String? = nil, osHashAlgo: String? = nil, osHashValue: String? = nil, minDisk: Int = 0, minRam: Int = 0,
        protected: Bool = false, osHidden: Bool = false, tags: [String] = [], properties: [String: String] = [:],
        origin: ImageOrigin = .upload, createdAt: Date, updatedAt: Date, deletedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.owner = owner
        self.status = status
        self.visibility = visibility
        self.diskFormat = diskFormat
        self.containerFormat = containerFormat
        self.size = size
        self.virtualSize = virtualSize
        self.checksum = checksum
        self.osHashAlgo = osHashAlgo
        self.osHashValue = osHashValue
        self.minDisk = minDisk
        self.minRam = minRam
        self.protected = protected
        self.osHidden = osHidden
        self.tags = tags
        self.properties = properties
        self.origin = origin
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
    }

    /// True for images marked export-restricted by an operator, or Windows images (PRODUCT "Lineage and export", check 4).
    package var isExportRestricted: Bool {
        properties[ImageRules.exportRestrictedKey]?.lowercased() == "true"
            || properties["os_type"]?.lowercased() == "windows"
    }
}

/// Facts about an image's uploaded data, recorded when it becomes active.
package struct ImageDataFacts: Hashable, Sendable {
    package var size: Int64
    /// MD5, lower-case hex.
    package var checksum: String
    /// SHA-512, lower-case hex.
    package var sha512: String
    package var virtualSize: Int64?

    package init(size: Int64, checksum: String, sha512: String, virtualSize: Int64? = nil) {
        self.size = size
        self.checksum = checksum
        self.sha512 = sha512
        self.virtualSize = virtualSize
    }
}
