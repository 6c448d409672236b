import Foundation
package import Hummingbird
package import PortalAuth
import PortalDomain

/// The JSON schemas python-glanceclient builds its models from (`/v2/schemas/...`).
package struct SchemasController: Sendable {
    package init() {}

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("schemas/image") { _, _ in Self.respond(Self.image) }
        group.get("schemas/images") { _, _ in Self.respond(Self.images) }
        group.get("schemas/member") { _, _ in Self.respond(Self.member) }
        group.get("schemas/members") { _, _ in Self.respond(Self.members) }
        group.get("schemas/task") { _, _ in Self.respond(Self.task) }
        group.get("schemas/tasks") { _, _ in Self.respond(Self.tasks) }
        for name in ["image", "images", "member", "members", "task", "tasks"] {
            group.rejectOtherMethods(RouterPath(stringLiteral: "schemas/" + name), allowed: [.get])
        }
    }

    private static func respond(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    private static func render(_ object: [String: Any]) -> ByteBuffer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    private static let uuidPattern = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"

    /// Glance's base image properties plus its default `schema-image.json` properties.
    static var imageProperties: [String: Any] {
        [
            "id": ["type": "string", "description": "An identifier for the image", "pattern": uuidPattern],
            "name": ["type": ["null", "string"], "description": "Descriptive name for the image", "maxLength": 255],
            "status": [
                "type": "string", "readOnly": true, "description": "Status of the image",
                "enum": ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"],
            ],
            "visibility": ["type": "string", "description": "Scope of image accessibility", "enum": ["community", "public", "private", "shared"]],
            "protected": ["type": "boolean", "description": "If true, image will not be deletable."],
            "os_hidden": ["type": "boolean", "description": "If true, image will not appear in default image list response."],
            "checksum": ["type": ["null", "string"], "readOnly": true, "description": "md5 hash of image contents.", "maxLength": 32],
            "os_hash_algo": ["type": ["null", "string"], "readOnly": true, "description": "Algorithm to calculate the os_hash_value", "maxLength": 64],
            "os_hash_value": [
                "type": ["null", "string"], "readOnly": true,
                "description": "Hexdigest of the image contents using the algorithm specified by the os_hash_algo", "maxLength": 128,
            ],
            "owner": ["type": ["null", "string"], "description": "Owner of the image", "maxLength": 255],
            "size": ["type": ["null", "integer"], "readOnly": true, "description": "Size of image file in bytes"],
            "virtual_size": ["type": ["null", "integer"], "readOnly": true, "description": "Virtual size of image in bytes"],
            "container_format": [
                "type": ["null", "string"], "description": "Format of the container",
                "enum": [NSNull()] + ContainerFormat.allCases.map(\.rawValue),
            ],
            "disk_format": ["type": ["null", "string"], "description": "Format of the disk", "enum": [NSNull()] + DiskFormat.allCases.map(\.rawValue)],
            "created_at": ["type": "string", "readOnly": true, "description": "Date and time of image registration"],
            "updated_at": ["type": "string", "readOnly": true, "description": "Date and time of the last image modification"],
            "tags": ["type": "array", "description": "List of strings related to the image", "items": ["type": "string", "maxLength": 255]],
            "direct_url": ["type": "string", "readOnly": true, "description": "URL to access the image file kept in external store"],
            "min_ram": ["type": "integer", "description": "Amount of ram (in MB) required to boot image."],
            "min_disk": ["type": "integer", "description": "Amount of disk space (in GB) required to boot image."],
            "self": ["type": "string", "readOnly": true, "description": "An image self url"],
            "file": ["type": "string", "readOnly": true, "description": "An image file url"],
            "stores": ["type": "string", "readOnly": true, "description": "Store in which image data resides."],
            "schema": ["type": "string", "readOnly": true, "description": "An image schema url"],
            "locations": [
                "type": "array", "description": "A set of URLs to access the image file kept in external store",
                "items": [
                    "type": "object", "required": ["url", "metadata"],
                    "properties": ["url": ["type": "string", "maxLength": 255], "metadata": ["type": "object"]],
                ],
            ],
            "kernel_id": [
                "type": ["null", "string"], "pattern": uuidPattern, "is_base": false,
                "description": "ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.",
            ],
            "ramdisk_id": [
                "type": ["null", "string"], "pattern": uuidPattern, "is_base": false,
                "description": "ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.",
            ],
            "instance_uuid": ["type": "string", "is_base": false, "description": "Metadata which can be used to record which instance this image is associated with."],
            "architecture": ["type": "string", "is_base": false, "description": "Operating system architecture"],
            "os_distro": ["type": "string", "is_base": false, "description": "Common name of operating system distribution"],
            "os_version": ["type": "string", "is_base": false, "description": "Operating system version as specified by the distributor."],
            "description": ["type": "string", "is_base": false, "description": "A human-readable string describing this image."],
        ]
    }

    static var imageLinks: [[String: String]] {
        [
            ["rel": "self", "href": "{self}"], ["rel": "enclosure", "href": "{file}"], ["rel": "describedby", "href": "{schema}"],
        ]
    }

    static var imageSchema: [String: Any] {
        [
            "name": "image", "properties": imageProperties, "additionalProperties": ["type": "string"], "links": imageLinks,
        ]
    }

    static func collection(_ name: String, item: [String: Any]) -> [String: Any] {
        [
            "name": name,
            "properties": [
                name: ["type": "array", "items": item], "first": ["type": "string"], "next": ["type": "string"], "schema": ["type": "string"],
            ],
            "links": [["rel": "first", "href": "{first}"], ["rel": "next", "href": "{next}"], ["rel": "describedby", "href": "{schema}"]],
        ]
    }

    static var memberSchema: [String: Any] {
        [
            "name": "member",
            "properties": [
                "member_id": ["type": "string", "description": "An identifier for the image member (tenantId)"],
                "image_id": ["type": "string", "description": "An identifier for the image", "pattern": uuidPattern],
                "created_at": ["type": "string", "description": "Date and time of image member creation"],
                "updated_at": ["type": "string", "description": "Date and time of last modification of image member"],
                "status": ["type": "string", "description": "The status of this image member", "enum": ["pending", "accepted", "rejected"]],
                "schema": ["readOnly": true, "type": "string"],
            ],
            "additionalProperties": false,
        ]
    }

    static var taskSchema: [String: Any] {
        [
            "name": "task",
            "properties": [
                "id": ["type": "string", "description": "An identifier for the task", "pattern": uuidPattern],
                "type": ["type": "string", "description": "The type of task represented by this content", "enum": TaskType.allCases.map(\.rawValue)],
                "status": ["type": "string", "description": "The current status of this task", "enum": TaskStatus.allCases.map(\.rawValue)],
                "input": ["type": ["null", "object"], "description": "The parameters required by task, JSON blob"],
                "result": ["type": ["null", "object"], "description": "The result of current task, JSON blob"],
                "owner": ["type": "string", "description": "An identifier for the owner of this task"],
                "message": ["type": "string", "description": "Human-readable informative message only included when appropriate (usually on failure)"],
                "expires_at": ["type": ["null", "string"], "description": "Datetime when this resource would be subject to removal"],
                "created_at": ["type": "string", "description": "Datetime when this resource was created"],
                "updated_at": ["type": "string", "description": "Datetime when this resource was updated"],
                "self": ["type": "string"],
                "schema": ["type": "string"],
            ],
            "additionalProperties": false,
        ]
    }

    static let image = render(imageSchema)
    static let images = render(collection("images", item: imageSchema))
    static let member = render(memberSchema)
    static let members = render(collection("members", item: memberSchema))
    static let task = render(taskSchema)
    static let tasks = render(collection("tasks", item: taskSchema))
}
