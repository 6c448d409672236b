import PortalCore

/// What every portal controller is made of: the shared services and the renderer.
protocol WebController: Sendable {
    var services: WebServices { get }
    var renderer: WebRenderer { get }
}

extension WebController {
    /// The portal's cookies, with one set of flags.
    var jar: CookieJar { CookieJar(codec: services.codec, secure: services.secureCookies, lifetime: services.sessionLifetime, clock: services.clock) }
    /// The use cases.
    var useCases: UseCases { services.useCases }
}
