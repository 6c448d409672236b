import PortalCore
import PortalDomain

/// The import page: upload a file, or import an object from a container.
enum ImportPage {
    struct Model {
        let chrome: Chrome
        let uploadAction: String
        let diskFormats: [Option]
        let containerFormats: [Option]
        let containers: [String]
        let hasContainers: Bool
        let maxSize: String
    }

    /// The new image the upload form describes (its fields come before the file).
    static func draft(_ fields: [String: String], filename: String?) throws(DomainError) -> ImageDraft {
        var draft = ImageDraft()
        draft.name = fields["name"].flatMap { $0.isEmpty ? nil : $0 } ?? filename
        draft.diskFormat = try DiskFormat.parse(fields["disk_format"] ?? "")
        draft.containerFormat = try ContainerFormat.parse(fields["container_format"] ?? "bare")
        draft.visibility = try Visibility.parse(fields["visibility"] ?? "shared")
        if let description = fields["description"], !description.isEmpty { draft.properties["description"] = description }
        return draft
    }

    /// The import task's input from the "import an object" form.
    static func taskInput(_ form: Form) throws(DomainError) -> [String: JSONValue] {
        guard let container = form["container"], let object = form["object"] else { throw .invalid("Choose a container and an object name.") }
        var properties: [String: JSONValue] = ["container_format": .string(form["container_format"] ?? "bare")]
        if let name = form["name"] { properties["name"] = .string(name) }
        if let visibility = form["visibility"] { properties["visibility"] = .string(visibility) }
        return [
            "import_from": .string("\(container)/\(object)"), "import_from_format": .string(form["disk_format"] ?? ""),
            "image_properties": .object(properties),
        ]
    }
}

extension ImportPage.Model {
    init(containers: [String], uploadLimit: Int64, context: WebContext) {
        self.init(
            chrome: Chrome(context, title: "Import", section: "Import"), uploadAction: Paths.importUpload + "?_csrf=" + Paths.segment(context.session.csrf),
            diskFormats: DiskFormat.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == .qcow2) },
            containerFormats: ContainerFormat.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == .bare) },
            containers: containers, hasContainers: !containers.isEmpty, maxSize: ByteFormat.size(uploadLimit))
    }
}
