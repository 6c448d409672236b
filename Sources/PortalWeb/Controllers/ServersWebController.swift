import Foundation
import Hummingbird
import PortalAuth
import PortalDomain
import PortalStorage

/// Servers of the local compute provider: list, create from an image ID, detail, snapshot, delete.
struct ServersWebController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.servers), use: list)
        group.post(RouterPath(stringLiteral: Paths.servers), use: create)
        group.get("/servers/:serverID", use: show)
        group.post("/servers/:serverID/snapshot", use: snapshot)
        group.post("/servers/:serverID/delete", use: delete)
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let tenant = try ComputeRules.requireTenant(context.principal)
        let servers = try await services.compute.servers(of: tenant)
        let model = ServersPage.Model(
            chrome: Chrome(context, title: "Servers", section: "Servers"), servers: servers.map(ServersPage.Row.init), hasServers: !servers.isEmpty,
            imageRef: Form(fields: QueryItems.parse(request.uri.query))["image"] ?? "")
        return try renderer.page("servers/list", model)
    }

    @Sendable func create(_ request: Request, context: WebContext) async throws -> Response {
        guard let imageRef = context.form["image"] else { throw DomainError.invalid("Paste the ID of the image to boot from.") }
        let server = try await services.compute.create(name: context.form["name"] ?? "", imageRef: imageRef, actor: context.actor)
        return Response.redirect(to: Paths.server(server.id), flash: [.success("Server \(server.name) is running.")], jar: jar)
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let server = try await services.compute.server(try Self.serverID(context), for: context.principal)
        let model = ServerDetailPage.Model(chrome: Chrome(context, title: server.name, section: "Servers"), server: ServersPage.Row(server))
        return try renderer.page("servers/detail", model)
    }

    @Sendable func snapshot(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.serverID(context)
        let image = try await services.compute.snapshot(id, name: context.form["name"] ?? "", metadata: [:], actor: context.actor)
        return Response.redirect(to: Paths.image(image.id), flash: [.success("Created image \(image.name ?? "") from the server.")], jar: jar)
    }

    @Sendable func delete(_ request: Request, context: WebContext) async throws -> Response {
        try await services.compute.delete(try Self.serverID(context), actor: context.actor)
        return Response.redirect(to: Paths.servers, flash: [.success("Server deleted.")], jar: jar)
    }

    static func serverID(_ context: WebContext) throws -> ServerID {
        let text = context.parameters.get("serverID") ?? ""
        guard let id = ServerID(rawValue: text) else { throw DomainError.notFound("No server with ID \(text.prefix(64)).") }
        return id
    }
}

/// The server list.
enum ServersPage {
    struct Row {
        let id: String
        let href: String
        let name: String
        let status: String
        let imageID: String
        let imageHref: String
        let disk: String
        let created: String

        init(_ server: Server) {
            id = server.id.rawValue
            href = Paths.server(server.id)
            name = server.name
            status = server.status
            imageID = server.imageID.rawValue
            imageHref = Paths.image(server.imageID)
            disk = Format.size(server.diskSize)
            created = Format.date(server.createdAt)
        }
    }

    struct Model {
        let chrome: Chrome
        let servers: [Row]
        let hasServers: Bool
        let imageRef: String
    }
}

/// One server.
enum ServerDetailPage {
    struct Model {
        let chrome: Chrome
        let server: ServersPage.Row
    }
}

/// Tasks: import and export, with status, result and message.
struct TasksWebController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.tasks), use: list)
        group.get("/tasks/:taskID", use: show)
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let page = try await services.tasks.list(TaskQuery(limit: 100), for: context.principal)
        let model = TasksPage.Model(chrome: Chrome(context, title: "Tasks", section: "Tasks"), tasks: page.tasks.map(TasksPage.Row.init), hasTasks: !page.tasks.isEmpty)
        return try renderer.page("tasks/list", model)
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let text = context.parameters.get("taskID") ?? ""
        guard let id = TaskID(rawValue: text) else { throw DomainError.notFound("No task with ID \(text.prefix(64)).") }
        let task = try await services.tasks.task(id, for: context.principal)
        let model = TaskDetailPage.Model(chrome: Chrome(context, title: "Task", section: "Tasks"), task: TasksPage.Row(task))
        return try renderer.page("tasks/detail", model)
    }
}

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

/// One task.
enum TaskDetailPage {
    struct Model {
        let chrome: Chrome
        let task: TasksPage.Row
    }
}
