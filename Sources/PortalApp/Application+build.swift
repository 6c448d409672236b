import Foundation
package import Hummingbird
import HummingbirdCore
package import Logging
import PortalAPI
package import PortalAuth
import PortalDomain
import PortalStorage

/// Builds the whole application from its configuration and dependencies.
package func buildApplication(
    configuration: AppConfiguration, dependencies: AppDependencies, logger: Logger,
    onServerRunning: @escaping @Sendable () async -> Void = {}
) throws -> some ApplicationProtocol {
    let router = try buildRouter(configuration: configuration, dependencies: dependencies)
    let runner = TaskRunner(executor: dependencies.taskExecutor, signal: dependencies.taskSignal, logger: logger)
    return Application(
        router: router,
        server: .http1(
            configuration: HTTP1Channel.Configuration(
                idleTimeout: .seconds(120),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100))),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "ImagePortal"),
        services: [runner],
        onServerRunning: { _ in await onServerRunning() },
        logger: logger)
}

/// The router: every route, with its middleware, in one place.
package func buildRouter(configuration: AppConfiguration, dependencies: AppDependencies) throws -> Router<PortalRequestContext> {
    let router = Router(context: PortalRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware(renderPage: { error, _, context in
        PlainErrorPage.response(for: error, requestID: context.requestID)
    }))

    HealthController(database: dependencies.database).addRoutes(to: router)

    let image = router.group("image")
    VersionsController(publicBaseURL: configuration.publicBaseURL).addRoutes(to: image)
    let v2 = image.group("v2")
        .add(middleware: TokenAuthMiddleware(tokens: dependencies.accounts))
        .group(context: AuthenticatedContext.self)
    SchemasController().addRoutes(to: v2)
    ImagesController(images: dependencies.images).addRoutes(to: v2)
    ImageDataController(data: dependencies.imageData).addRoutes(to: v2)
    MembersController(images: dependencies.images).addRoutes(to: v2)
    LineageController(images: dependencies.images).addRoutes(to: v2)
    TasksController(tasks: dependencies.tasks).addRoutes(to: v2)

    let authenticated = TokenAuthMiddleware(tokens: dependencies.accounts)
    let compute = router.group("compute/v2.1").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    ComputeController(compute: dependencies.compute).addRoutes(to: compute)
    let objects = router.group("object/v1").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    ObjectController(objects: dependencies.objects).addRoutes(to: objects)
    let audit = router.group("audit/v1").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    AuditController(audit: dependencies.audit).addRoutes(to: audit)
    return router
}

/// `/healthz` (alive) and `/readyz` (the database answers).
struct HealthController {
    let database: AppDatabase

    func addRoutes(to router: Router<PortalRequestContext>) {
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        router.get("readyz") { _, _ in
            do {
                try await database.ping()
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ready\"}")))
            } catch {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"database unavailable\"}")))
            }
        }
    }
}

/// A minimal HTML error page, used until the portal's templates render errors.
enum PlainErrorPage {
    static func response(for error: PresentableError, requestID: String) -> Response {
        let message = error.message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        let html = "<!doctype html><title>\(error.status.code)</title><h1>\(error.status.code) \(error.status.reasonPhrase)</h1><p>\(message)</p><p>Request ID: \(requestID)</p>"
        return Response(status: error.status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Builds the application and runs it until SIGTERM or SIGINT, then drains and returns.
package func runServer(
    configuration: AppConfiguration, dependencies: AppDependencies, logger: Logger,
    onServerRunning: @escaping @Sendable () async -> Void = {}
) async throws {
    let app = try buildApplication(configuration: configuration, dependencies: dependencies, logger: logger, onServerRunning: onServerRunning)
    try await app.runService()
}
