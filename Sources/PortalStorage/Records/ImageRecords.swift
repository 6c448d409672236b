import Foundation
import GRDB
import PortalDomain

/// A row of `images`. Tags and properties are JSON columns.
struct ImageRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "images"
    var id: String
    var name: String?
    var owner: String
    var status: String
    var visibility: String
    var diskFormat: String?
    var containerFormat: String?
    var size: Int64?
    var virtualSize: Int64?
    var checksum: String?
    var osHashAlgo: String?
    var osHashValue: String?
    var minDisk: Int
    var minRam: Int
    var protected: Bool
    var osHidden: Bool
    var tags: [String]
    var properties: [String: String]
    var origin: String
    var parentImageID: String?
    var sourceServerID: String?
    var sourceContainer: String?
    var sourceObject: String?
    var createdAt: Date
    var updatedAt: Date
    var deletedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, owner, status, visibility, size, checksum, protected, tags, properties, origin
        case diskFormat = "disk_format"
        case containerFormat = "container_format"
        case virtualSize = "virtual_size"
        case osHashAlgo = "os_hash_algo"
        case osHashValue = "os_hash_value"
        case minDisk = "min_disk"
        case minRam = "min_ram"
        case osHidden = "os_hidden"
        case parentImageID = "parent_image_id"
        case sourceServerID = "source_server_id"
        case sourceContainer = "source_container"
        case sourceObject = "source_object"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case deletedAt = "deleted_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let owner = Column(CodingKeys.owner)
        static let status = Column(CodingKeys.status)
        static let visibility = Column(CodingKeys.visibility)
        static let osHashValue = Column(CodingKeys.osHashValue)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    /// Decodes a row directly (no Codable machinery): list pages decode up to a thousand rows.
    init(row: Row) throws {
        id = row[Columns.id]
        name = row["name"]
        owner = row[Columns.owner]
        status = row[Columns.status]
        visibility = row[Columns.visibility]
        diskFormat = row["disk_format"]
        containerFormat = row["container_format"]
        size = row["size"]
        virtualSize = row["virtual_size"]
        checksum = row["checksum"]
        osHashAlgo = row["os_hash_algo"]
        osHashValue = row[Columns.osHashValue]
        minDisk = row["min_disk"]
        minRam = row["min_ram"]
        protected = row["protected"]
        osHidden = row["os_hidden"]
        tags = try Self.decodeTags(row["tags"])
        properties = try Self.decodeProperties(row["properties"])
        origin = row["origin"]
        parentImageID = row["parent_image_id"]
        sourceServerID = row["source_server_id"]
        sourceContainer = row["source_container"]
        sourceObject = row["source_object"]
        createdAt = row[Columns.createdAt]
        updatedAt = row["updated_at"]
        deletedAt = row["deleted_at"]
    }

    static func decodeTags(_ text: String?) throws -> [String] {
        guard let text, text != "[]" else { return [] }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    static func decodeProperties(_ text: String?) throws -> [String: String] {
        guard let text, text != "{}" else { return [:] }
        return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    init(_ image: Image) {
        id = image.id.rawValue
        name = image.name
        owner = image.owner.rawValue
        status = image.status.rawValue
        visibility = image.visibility.rawValue
        diskFormat = image.diskFormat?.rawValue
        containerFormat = image.containerFormat?.rawValue
        size = image.size
        virtualSize = image.virtualSize
        checksum = image.checksum
        osHashAlgo = image.osHashAlgo
        osHashValue = image.osHashValue
        minDisk = image.minDisk
        minRam = image.minRam
        protected = image.protected
        osHidden = image.osHidden
        tags = image.tags
        properties = image.properties
        origin = image.origin.kind
        parentImageID = image.origin.parentImage?.rawValue
        switch image.origin {
        case .upload, .copy:
            break
        case .importObject(let container, let object, _):
            sourceContainer = container
            sourceObject = object
        case .snapshot(let server, _):
            sourceServerID = server.rawValue
        }
        createdAt = image.createdAt
        updatedAt = image.updatedAt
        deletedAt = image.deletedAt
    }

    /// The domain value; nil only if the row was written by something that broke the schema's rules.
    var image: Image? {
        guard let id = ImageID(rawValue: id), let owner = TenantID(rawValue: owner), let status = ImageStatus(rawValue: status),
            let visibility = Visibility(rawValue: visibility)
        else { return nil }
        let parent = parentImageID.flatMap(ImageID.init(rawValue:))
        let origin: ImageOrigin
        switch self.origin {
        case "import": origin = .importObject(container: sourceContainer ?? "", object: sourceObject ?? "", sourceImage: parent)
        case "snapshot":
            guard let server = sourceServerID.flatMap(ServerID.init(rawValue:)), let parent else { return nil }
            origin = .snapshot(server: server, bootImage: parent)
        case "copy":
            guard let parent else { return nil }
            origin = .copy(of: parent)
        default: origin = .upload
        }
        return Image(
            id: id, name: name, owner: owner, status: status, visibility: visibility,
            diskFormat: diskFormat.flatMap(DiskFormat.init(rawValue:)), containerFormat: containerFormat.flatMap(ContainerFormat.init(rawValue:)),
            size: size, virtualSize: virtualSize, checksum: checksum, osHashAlgo: osHashAlgo, osHashValue: osHashValue,
            minDisk: minDisk, minRam: minRam, protected: protected, osHidden: osHidden, tags: tags, properties: properties,
            origin: origin, createdAt: createdAt, updatedAt: updatedAt, deletedAt: deletedAt)
    }
}

extension ImageRecord {
    /// A row read from another engine, with tags and properties as JSON text.
    init(
        id: String, name: String?, owner: String, status: String, visibility: String, diskFormat: String?, containerFormat: String?, size: Int64?,
        virtualSize: Int64?, checksum: String?, osHashAlgo: String?, osHashValue: String?, minDisk: Int, minRam: Int, protected: Bool, osHidden: Bool,
        tagsJSON: String, propertiesJSON: String, origin: String, parentImageID: String?, sourceServerID: String?, sourceContainer: String?,
        sourceObject: String?, createdAt: Date, updatedAt: Date, deletedAt: Date?
    ) throws {
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
        tags = try Self.decodeTags(tagsJSON)
        properties = try Self.decodeProperties(propertiesJSON)
        self.origin = origin
        self.parentImageID = parentImageID
        self.sourceServerID = sourceServerID
        self.sourceContainer = sourceContainer
        self.sourceObject = sourceObject
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
    }
}

/// A row of `image_members`.
struct MemberRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "image_members"
    var imageID: String
    var member: String
    var status: String
    var canShare: Bool
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case member, status
        case imageID = "image_id"
        case canShare = "can_share"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let imageID = Column(CodingKeys.imageID)
        static let member = Column(CodingKeys.member)
        static let status = Column(CodingKeys.status)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    init(_ member: Member) {
        imageID = member.imageID.rawValue
        self.member = member.memberID.rawValue
        status = member.status.rawValue
        canShare = member.canShare
        createdAt = member.createdAt
        updatedAt = member.updatedAt
    }

    var domain: Member? {
        guard let imageID = ImageID(rawValue: imageID), let memberID = TenantID(rawValue: member), let status = MemberStatus(rawValue: status) else {
            return nil
        }
        return Member(imageID: imageID, memberID: memberID, status: status, canShare: canShare, createdAt: createdAt, updatedAt: updatedAt)
    }
}

/// A row of `share_grants`: every (image, member) pair that was ever shared, for content lineage.
struct ShareGrantRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "share_grants"
    var imageID: String
    var member: String
    var firstGrantedAt: Date

    enum CodingKeys: String, CodingKey {
        case member
        case imageID = "image_id"
        case firstGrantedAt = "first_granted_at"
    }
}
