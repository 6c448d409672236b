import Foundation
import GRDB
import PortalCore
import PortalDomain

/// A row of `servers`.
struct ServerRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "servers"
    var id: String
    var tenant: String
    var name: String
    var imageID: String
    var status: String
    var diskSize: Int64
    var createdAt: Date
    var updatedAt: Date
    var deletedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, tenant, name, status
        case imageID = "image_id"
        case diskSize = "disk_size"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case deletedAt = "deleted_at"
    }

    enum Columns {
        static let tenant = Column(CodingKeys.tenant)
        static let status = Column(CodingKeys.status)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    init(_ server: Server) {
        id = server.id.rawValue
        tenant = server.tenant.rawValue
        name = server.name
        imageID = server.imageID.rawValue
        status = server.status
        diskSize = server.diskSize
        createdAt = server.createdAt
        updatedAt = server.updatedAt
    }

    var server: Server? {
        guard let id = ServerID(rawValue: id), let tenant = TenantID(rawValue: tenant), let image = ImageID(rawValue: imageID) else { return nil }
        return Server(id: id, tenant: tenant, name: name, imageID: image, status: status, diskSize: diskSize, createdAt: createdAt, updatedAt: updatedAt)
    }
}

/// A row of `containers`.
struct ContainerRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "containers"
    var tenant: String
    var name: String
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case tenant, name
        case createdAt = "created_at"
    }
}

/// A row of `objects`: the data lives in a blob file named by `blob`, never by the client's name.
struct ObjectRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "objects"
    var tenant: String
    var container: String
    var name: String
    var blob: String
    var size: Int64
    var etag: String
    var contentType: String
    var sourceImageID: String?
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case tenant, container, name, blob, size, etag
        case contentType = "content_type"
        case sourceImageID = "source_image_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    var object: StoredObject {
        StoredObject(
            container: container, name: name, size: size, etag: etag, contentType: contentType, lastModified: updatedAt,
            sourceImage: sourceImageID.flatMap(ImageID.init(rawValue:)))
    }
}

/// A row of `tasks`.
struct TaskRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "tasks"
    var id: String
    var type: String
    var status: String
    var owner: String
    var input: [String: JSONValue]
    var result: [String: JSONValue]?
    var message: String
    var requestedByRole: String
    var tokenID: String?
    var requestID: String
    var createdAt: Date
    var updatedAt: Date
    var expiresAt: Date?
    var leaseOwner: String?
    var leaseUntil: Date?

    enum CodingKeys: String, CodingKey {
        case id, type, status, owner, input, result, message
        case leaseOwner = "lease_owner"
        case leaseUntil = "lease_until"
        case requestedByRole = "requested_by_role"
        case tokenID = "token_id"
        case requestID = "request_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case expiresAt = "expires_at"
    }

    enum Columns {
        static let owner = Column(CodingKeys.owner)
        static let status = Column(CodingKeys.status)
        static let type = Column(CodingKeys.type)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    var task: PortalTask? {
        guard let id = TaskID(rawValue: id), let type = TaskType(rawValue: type), let status = TaskStatus(rawValue: status),
            let owner = TenantID(rawValue: owner)
        else { return nil }
        return PortalTask(
            id: id, type: type, status: status, owner: owner, input: input, result: result, message: message, createdAt: createdAt,
            updatedAt: updatedAt, expiresAt: expiresAt)
    }

    init(_ stored: StoredTask) {
        let task = stored.task
        id = task.id.rawValue
        type = task.type.rawValue
        status = task.status.rawValue
        owner = task.owner.rawValue
        input = task.input
        result = task.result
        message = task.message
        requestedByRole = stored.requestedBy.principal.tenantRole?.rawValue ?? TenantRole.member.rawValue
        tokenID = stored.requestedBy.tokenID?.rawValue
        requestID = stored.requestedBy.requestID
        createdAt = task.createdAt
        updatedAt = task.updatedAt
        expiresAt = task.expiresAt
    }

    /// A result as the JSON text of its column.
    static func json(_ result: [String: JSONValue]?) throws -> String? {
        try result.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    /// Who asked for the task, for the audit events its outcome writes.
    var actor: Actor? {
        guard let owner = TenantID(rawValue: owner), let role = TenantRole(rawValue: requestedByRole) else { return nil }
        return Actor(principal: .tenant(owner, role: role), tokenID: tokenID.flatMap(TokenID.init(rawValue:)), requestID: requestID)
    }
}
