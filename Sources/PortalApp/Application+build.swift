import Foundation
package import Hummingbird
import HummingbirdCore
package import Logging
import PortalAPI
package import PortalAuth
import PortalDomain
import PortalCore
import PortalStorage
package import PortalWeb

/// Builds the whole application from its configuration and dependencies.
package func buildApplication(
    configuration: AppConfiguration, dependencies: AppDependencies, logger: Logger,
    onServerRunning: @escaping @Sendable () async -> Void = {}
) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(configuration: configuration, dependencies: dependencies)
    let runner = TaskRunner(worker: dependencies.useCases.taskWorker, signal: dependencies.taskSignal, shared: dependencies.isShared, logger: logger)
    let sweeper = UploadSweeper(imageData: dependencies.useCases.imageData, interval: .seconds(5), logger: logger)
    return Application(
        router: router,
        server: .http1(
            configuration: HTTP1Channel.Configuration(
                idleTimeout: .seconds(120),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100))),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "ImagePortal"),
        services: [runner, sweeper],
        onServerRunning: { _ in await onServerRunning() },
        logger: logger)
}

/// The router: every route, with its middleware, in one place.
package func buildRouter(configuration: AppConfiguration, dependencies: AppDependencies) async throws -> Router<PortalRequestContext> {
    let resources = configuration.resourcesDirectory
    let renderer = try await WebRenderer(templatesDirectory: resources + "/templates")
    let router = Router(context: PortalRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(proxies: try configuration.proxies()))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware(renderPage: { error, _, context in
        renderer.errorPage(error, requestID: context.requestID)
    }))
    router.add(middleware: try StaticAssets(directory: resources + "/Public"))

    let useCases = dependencies.useCases
    HealthController(records: useCases.core.records).addRoutes(to: router)

    let authenticated = TokenAuthMiddleware(accounts: useCases.accounts)
    let image = router.group("image")
    VersionsController(publicBaseURL: configuration.publicBaseURL).addRoutes(to: image)
    let v2 = image.group("v2").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    SchemasController().addRoutes(to: v2)
    ImagesController(useCases: useCases).addRoutes(to: v2)
    ImageDataController(useCases: useCases).addRoutes(to: v2)
    MembersController(useCases: useCases).addRoutes(to: v2)
    LineageController(useCases: useCases).addRoutes(to: v2)
    TasksController(useCases: useCases).addRoutes(to: v2)
    let v1 = image.group("v1").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    V1ImagesController(useCases: useCases).addRoutes(to: v1)
    V1MembersController(useCases: useCases).addRoutes(to: v1)

    let compute = router.group("compute/v2.1").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    ComputeController(useCases: useCases).addRoutes(to: compute)
    let objects = router.group("object/v1").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    ObjectController(useCases: useCases).addRoutes(to: objects)
    let audit = router.group("audit/v1").add(middleware: authenticated).group(context: AuthenticatedContext.self)
    AuditController(useCases: useCases).addRoutes(to: audit)

    PortalRoutes.register(on: router, services: webServices(configuration: configuration, dependencies: dependencies), renderer: renderer)
    return router
}

/// `/healthz` (alive) and `/readyz` (the database answers).
struct HealthController {
    let records: any MetadataStore

    func addRoutes(to router: Router<PortalRequestContext>) {
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        router.get("readyz") { _, _ in
            do {
                try await records.ping()
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ready\"}")))
            } catch {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"database unavailable\"}")))
            }
        }
    }
}

/// The portal's services, from the same dependencies the API uses.
package func webServices(configuration: AppConfiguration, dependencies: AppDependencies) -> WebServices {
    WebServices(
        useCases: dependencies.useCases, codec: SessionCodec(keys: dependencies.sessionKeys), sessionLifetime: configuration.sessionLifetime,
        secureCookies: configuration.secureCookies)
}

/// Builds the application and runs it until SIGTERM or SIGINT, then drains and returns.
package func runServer(
    configuration: AppConfiguration, dependencies: AppDependencies, logger: Logger,
    onServerRunning: @escaping @Sendable () async -> Void = {}
) async throws {
    try await dependencies.useCases.sessions.purgeExpired()
    let app = try await buildApplication(configuration: configuration, dependencies: dependencies, logger: logger, onServerRunning: onServerRunning)
    try await app.runService()
}
