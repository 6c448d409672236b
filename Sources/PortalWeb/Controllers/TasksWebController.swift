import Foundation
import Hummingbird
import PortalAuth
import PortalCore
import PortalDomain

/// Tasks: import and export, with status, result and message.
struct TasksWebController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.tasks), use: list)
        group.get("/tasks/:taskID", use: show)
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let page = try await useCases.tasks.list(TaskQuery(limit: 100), for: context.principal)
        return try renderer.page("tasks/list", TasksPage.Model(page.tasks, context: context))
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let task = try await useCases.tasks.task(try TaskID.fromPath(context.parameters.get("taskID") ?? ""), for: context.principal)
        return try renderer.page("tasks/detail", TaskDetailPage.Model(task, context: context))
    }
}
