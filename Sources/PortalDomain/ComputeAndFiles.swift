package import Foundation

/// A server of the built-in local compute provider.
package struct Server: Hashable, Sendable {
    package var id: ServerID
    package var tenant: TenantID
    package var name: String
    /// The image it was booted from.
    package var imageID: ImageID
    package var status: String
    package var diskSize: Int64
    package var createdAt: Date
    package var updatedAt: Date

    package init(id: ServerID, tenant: TenantID, name: String, imageID: ImageID, status: String = "ACTIVE", diskSize: Int64, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.imageID = imageID
        self.status = status
        self.diskSize = diskSize
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Rules for servers and snapshots (PRODUCT "Servers and snapshots").
package enum ComputeRules {
    /// A server name: 1 to 255 characters.
    package static func serverName(_ name: String) throws(DomainError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...255).contains(trimmed.count) else { throw .invalid("A server name is 1 to 255 characters.") }
        return trimmed
    }

    /// Only tenants have servers.
    package static func requireTenant(_ principal: Principal) throws(DomainError) -> TenantID {
        guard let tenant = principal.tenantID else { throw .forbidden("Staff accounts have no servers; use a tenant account.") }
        return tenant
    }

    /// The data facts a snapshot takes over from its boot image (the local provider never writes disks).
    package static func snapshotFacts(of boot: Image) throws(DomainError) -> ImageDataFacts {
        guard let checksum = boot.checksum, let sha512 = boot.osHashValue, let size = boot.size else {
            throw .conflict("The server's boot image has no data to snapshot.")
        }
        return ImageDataFacts(size: size, checksum: checksum, sha512: sha512, virtualSize: boot.virtualSize)
    }

    /// The draft of a snapshot image of `server`, booted from `boot` (Nova's createImage).
    package static func snapshotDraft(of server: Server, boot: Image, name: String, metadata: [String: String]) throws(DomainError) -> ImageDraft {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...255).contains(trimmed.count) else { throw .invalid("A snapshot needs a name of 1 to 255 characters.") }
        var properties = metadata
        for key in metadata.keys where ImageRules.reservedAttributes.contains(key) || key.hasPrefix(ImageRules.reservedNamespace) || ImageRules.baseAttributes.contains(key) {
            throw .invalid("Metadata key '\(key.prefix(64))' is reserved.")
        }
        properties.removeValue(forKey: ImageRules.exportRestrictedKey)
        properties["image_type"] = "snapshot"
        properties["instance_uuid"] = server.id.rawValue
        properties["base_image_ref"] = boot.id.rawValue
        // A snapshot keeps the operating-system facts of its base image (os_type drives export checks).
        for key in ["os_type", "os_distro", "os_version", "architecture"] where properties[key] == nil {
            if let value = boot.properties[key] { properties[key] = value }
        }
        return ImageDraft(
            name: trimmed, visibility: .private, diskFormat: boot.diskFormat, containerFormat: boot.containerFormat,
            minDisk: boot.minDisk, minRam: boot.minRam, owner: server.tenant, properties: properties)
    }
}

/// A container's summary.
package struct ContainerSummary: Hashable, Sendable {
    package var name: String
    package var objectCount: Int
    package var bytes: Int64
    package var createdAt: Date
    package var lastModified: Date

    package init(name: String, objectCount: Int, bytes: Int64, createdAt: Date, lastModified: Date) {
        self.name = name
        self.objectCount = objectCount
        self.bytes = bytes
        self.createdAt = createdAt
        self.lastModified = lastModified
    }
}

/// An object in a container.
package struct StoredObject: Hashable, Sendable {
    package var container: String
    package var name: String
    package var size: Int64
    /// MD5 hex.
    package var etag: String
    package var contentType: String
    package var lastModified: Date
    /// The image this object was exported from, if any (import follows it for lineage).
    package var sourceImage: ImageID?

    package init(container: String, name: String, size: Int64, etag: String, contentType: String, lastModified: Date, sourceImage: ImageID?) {
        self.container = container
        self.name = name
        self.size = size
        self.etag = etag
        self.contentType = contentType
        self.lastModified = lastModified
        self.sourceImage = sourceImage
    }
}

/// A listing request for objects (Swift's `prefix`, `delimiter`, `marker`, `end_marker`, `limit`).
package struct ObjectListing: Hashable, Sendable {
    package var prefix: String?
    package var delimiter: String?
    package var marker: String?
    package var endMarker: String?
    package var limit: Int

    /// Swift's default and maximum listing size.
    package static let maxLimit = 10_000

    package init(prefix: String? = nil, delimiter: String? = nil, marker: String? = nil, endMarker: String? = nil, limit: Int = maxLimit) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.marker = marker
        self.endMarker = endMarker
        self.limit = limit
    }

    /// Parses query items; a bad limit is a 412 in Swift, a 400 here.
    package static func parse(_ items: [(name: String, value: String)]) throws(DomainError) -> ObjectListing {
        var listing = ObjectListing()
        for (name, value) in items {
            switch name {
            case "prefix": listing.prefix = value.isEmpty ? nil : value
            case "delimiter": listing.delimiter = value.isEmpty ? nil : value
            case "marker": listing.marker = value.isEmpty ? nil : value
            case "end_marker": listing.endMarker = value.isEmpty ? nil : value
            case "limit":
                guard let limit = Int(value), (0...maxLimit).contains(limit) else {
                    throw .invalid("limit must be an integer from 0 to \(maxLimit).")
                }
                listing.limit = limit
            default: break
            }
        }
        return listing
    }
}

/// One entry of a listing with a delimiter: an object, or a pseudo-directory.
package enum ListingEntry: Hashable, Sendable {
    case object(StoredObject)
    case subdirectory(String)

    /// The name the listing sorts and pages by.
    package var name: String {
        switch self {
        case .object(let object): object.name
        case .subdirectory(let name): name
        }
    }
}

/// Whose file containers a request may reach (PRODUCT "Files"): a tenant's own, and nobody else's.
package enum FileRules {
    /// The tenant whose account `account` names (`AUTH_<ddi>` in the object API; nil: the caller's
    /// own, as the portal asks). Another tenant's account is 403; staff have no files.
    package static func account(_ account: String?, for principal: Principal) throws(DomainError) -> TenantID {
        guard let tenant = principal.tenantID else { throw .forbidden("Staff accounts have no files; use a tenant account.") }
        if let account, account != tenant.rawValue { throw .forbidden("This token may only use its own tenant's account.") }
        return tenant
    }
}
