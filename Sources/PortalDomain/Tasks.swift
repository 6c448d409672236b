package import Foundation

/// The kinds of asynchronous task (Glance v2 tasks; Rackspace Cloud Images import/export).
package enum TaskType: String, Codable, Sendable, CaseIterable {
    case `import`, export
}

/// A task's status: pending → processing → success | failure.
package enum TaskStatus: String, Codable, Sendable, CaseIterable {
    case pending, processing, success, failure
}

/// An import or export task.
package struct PortalTask: Hashable, Sendable {
    package var id: TaskID
    package var type: TaskType
    package var status: TaskStatus
    package var owner: TenantID
    /// The input exactly as the client gave it (validated).
    package var input: [String: JSONValue]
    package var result: [String: JSONValue]?
    package var message: String
    package var createdAt: Date
    package var updatedAt: Date
    package var expiresAt: Date?

    package init(
        id: TaskID, type: TaskType, status: TaskStatus = .pending, owner: TenantID, input: [String: JSONValue],
        result: [String: JSONValue]? = nil, message: String = "", createdAt: Date, updatedAt: Date, expiresAt: Date? = nil
    ) {
        self.id = id
        self.type = type
        self.status = status
        self.owner = owner
        self.input = input
        self.result = result
        self.message = message
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
    }
}

/// A validated import request: read `container/object` and create an image from it.
package struct ImportRequest: Hashable, Sendable {
    package var container: String
    package var object: String
    package var format: DiskFormat
    package var draft: ImageDraft
}

/// A validated export request: write the image's data into one of the owner's containers.
package struct ExportRequest: Hashable, Sendable {
    package var imageID: ImageID
    package var container: String
}

/// Rules for tasks.
package enum TaskRules {
    /// How long a finished task stays listed (Glance's `task_time_to_live`, 48 hours).
    package static let timeToLive: TimeInterval = 48 * 3600

    /// How long a lease on running work (a task, an upload) lasts without renewal: when the instance
    /// holding it dies, another takes the task over, or rolls the upload back, after at most this long.
    package static let leaseDuration: TimeInterval = 30
    /// How often a running instance renews its leases.
    package static let leaseRenewal: TimeInterval = 10

    /// Parses `import_from` ("container/object"), `import_from_format` and `image_properties`.
    package static func importRequest(from input: [String: JSONValue]) throws(DomainError) -> ImportRequest {
        guard case .string(let from)? = input["import_from"] else {
            throw .invalid("Import task input needs 'import_from': the container and object to import, as \"container/object\".")
        }
        let parts = from.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else {
            throw .invalid("'import_from' must be \"container/object\" (got '\(from.prefix(255))').")
        }
        let container = try ObjectNames.container(parts[0])
        let object = try ObjectNames.object(parts[1])
        guard case .string(let formatText)? = input["import_from_format"] else {
            throw .invalid("Import task input needs 'import_from_format': the disk format of the object (e.g. qcow2, raw, vhd).")
        }
        let format = try DiskFormat.parse(formatText)
        var body: [String: JSONValue] = [:]
        if let properties = input["image_properties"] {
            guard case .object(let object) = properties else { throw .invalid("'image_properties' must be an object.") }
            body = object
        }
        var draft = try ImageRules.draft(fromV2: body)
        if let declared = draft.diskFormat, declared != format {
            throw .invalid("image_properties.disk_format (\(declared.rawValue)) differs from import_from_format (\(format.rawValue)).")
        }
        draft.diskFormat = format
        if draft.containerFormat == nil { draft.containerFormat = .bare }
        return ImportRequest(container: container, object: object, format: format, draft: draft)
    }

    /// Parses `image_uuid` and `receiving_swift_container`.
    package static func exportRequest(from input: [String: JSONValue]) throws(DomainError) -> ExportRequest {
        guard case .string(let idText)? = input["image_uuid"] else {
            throw .invalid("Export task input needs 'image_uuid': the ID of the image to export.")
        }
        guard case .string(let container)? = input["receiving_swift_container"] else {
            throw .invalid("Export task input needs 'receiving_swift_container': the container to write the image into.")
        }
        return ExportRequest(imageID: try ImageID.parse(idText), container: try ObjectNames.container(container))
    }

    /// Validates a task's input by type.
    package static func validate(type: TaskType, input: [String: JSONValue]) throws(DomainError) {
        switch type {
        case .import: _ = try importRequest(from: input)
        case .export: _ = try exportRequest(from: input)
        }
    }

    /// The object name an export writes: `<image-id>.<disk_format>`.
    package static func exportObjectName(for image: Image) -> String {
        "\(image.id).\(image.diskFormat?.rawValue ?? "raw")"
    }
}

/// Names of containers and objects (Swift's limits, and nothing that could address a path).
package enum ObjectNames {
    /// A container name: 1 to 256 bytes, no '/', not "." or "..".
    package static func container(_ name: String) throws(DomainError) -> String {
        guard (1...256).contains(name.utf8.count), !name.contains("/"), name != ".", name != "..",
            !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else {
            throw .invalid("'\(name.prefix(64))' is not a valid container name: use 1 to 256 bytes, without '/' or control characters.")
        }
        return name
    }

    /// An object name: 1 to 1024 bytes, no control characters.
    package static func object(_ name: String) throws(DomainError) -> String {
        guard (1...1024).contains(name.utf8.count), !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .invalid("'\(name.prefix(64))' is not a valid object name: use 1 to 1024 bytes, without control characters.")
        }
        return name
    }
}
