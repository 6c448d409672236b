import PortalDomain

/// The task list.
enum TasksPage {
    struct Pair {
        let key: String
        let value: String
    }

    struct Row {
        let id: String
        let href: String
        let type: String
        let status: String
        let running: Bool
        let failed: Bool
        let message: String
        let created: String
        let updated: String
        let input: [Pair]
        let result: [Pair]
        let imageHref: String?
        let objectHref: String?

        init(_ task: PortalTask) {
            id = task.id.rawValue
            href = Paths.task(task.id)
            type = task.type.rawValue
            status = task.status.rawValue
            running = task.status == .pending || task.status == .processing
            failed = task.status == .failure
            message = task.message
            created = Format.date(task.createdAt)
            updated = Format.date(task.updatedAt)
            input = task.input.sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: Self.text($0.value)) }
            result = (task.result ?? [:]).sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: Self.text($0.value)) }
            if case .string(let image)? = task.result?["image_id"], let id = ImageID(rawValue: image), task.type == .import {
                imageHref = Paths.image(id)
            } else {
                imageHref = nil
            }
            if case .string(let location)? = task.result?["export_location"], let slash = location.firstIndex(of: "/") {
                objectHref = Paths.container(String(location[..<slash]))
            } else {
                objectHref = nil
            }
        }

        static func text(_ value: JSONValue) -> String {
            switch value {
            case .string(let text): text
            case .int(let number): String(number)
            case .double(let number): String(number)
            case .bool(let flag): String(flag)
            case .null: "—"
            case .array(let items): items.map(text).joined(separator: ", ")
            case .object(let object): object.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ", ")
            }
        }
    }

    struct Model {
        let chrome: Chrome
        let tasks: [Row]
        let hasTasks: Bool
    }
}

extension TasksPage.Model {
    init(_ tasks: [PortalTask], context: WebContext) {
        self.init(chrome: Chrome(context, title: "Tasks", section: "Tasks"), tasks: tasks.map(TasksPage.Row.init), hasTasks: !tasks.isEmpty)
    }
}
