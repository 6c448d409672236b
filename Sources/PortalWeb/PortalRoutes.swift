package import Hummingbird
package import PortalAuth

/// Registers every portal page on the router: sign-in outside the session, everything else inside it.
package enum PortalRoutes {
    package static func register(on router: Router<PortalRequestContext>, services: WebServices, renderer: WebRenderer) {
        LoginController(services: services, renderer: renderer).addRoutes(to: router)
        let pages = router.group().add(middleware: SessionMiddleware(services: services)).group(context: WebContext.self)
        SessionController(services: services, renderer: renderer).addRoutes(to: pages)
        DashboardController(services: services, renderer: renderer).addRoutes(to: pages)
        ImagesWebController(services: services, renderer: renderer).addRoutes(to: pages)
        ImportController(services: services, renderer: renderer).addRoutes(to: pages)
        ServersWebController(services: services, renderer: renderer).addRoutes(to: pages)
        FilesWebController(services: services, renderer: renderer).addRoutes(to: pages)
        TasksWebController(services: services, renderer: renderer).addRoutes(to: pages)
        ActivityController(services: services, renderer: renderer).addRoutes(to: pages)
        SettingsController(services: services, renderer: renderer).addRoutes(to: pages)
        AdminController(services: services, renderer: renderer).addRoutes(to: pages)
        SupportController(services: services, renderer: renderer).addRoutes(to: pages)
    }
}
