import Foundation
import Hummingbird
import PortalAuth
import PortalCrypto
import PortalDomain
import PortalCore

/// Sign-in with a tenant ID (or staff name) and an API token, and the sign-out pages.
struct LoginController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(RouterPath(stringLiteral: Paths.login), use: show)
        router.post(RouterPath(stringLiteral: Paths.login), use: signIn)
    }

    @Sendable func show(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let items = Form(fields: QueryItems.parse(request.uri.query))
        return try form(request, next: items["next"], kind: "tenant", ddi: "", staff: "", error: nil, status: .ok)
    }

    private func form(_ request: Request, next: String?, kind: String, ddi: String, staff: String, error: String?, status: HTTPResponse.Status) throws -> Response {
        let nonce = ByteEncoding.base64url(try SecureRandom.bytes(16))
        let model = LoginPage.Model(
            csrf: nonce, next: Self.safeNext(next) ?? "", isStaff: kind == "staff", ddi: ddi, staff: staff, error: error,
            flashes: jar.readFlash(request))
        var response = try renderer.page("login", model, status: status)
        response.setCookie(jar.loginCSRF(nonce))
        if !model.flashes.isEmpty { response.setCookie(jar.clearFlash()) }
        return response
    }

    @Sendable func signIn(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let form = Form(fields: QueryItems.parse(String(buffer: body)))
        guard jar.verifyLoginCSRF(request, submitted: form["_csrf"]) else {
            throw DomainError.forbidden("The sign-in form's security token is missing or out of date. Reload the page and try again.")
        }
        let next = form["next"]
        let attempt = Self.attempt(form, remoteAddress: context.remoteAddress, requestID: context.requestID)
        do {
            let account = try await useCases.signIn.check(attempt)
            var response = Response.redirect(to: Self.safeNext(next) ?? Self.home(for: account.principal), jar: jar)
            response.setCookie(jar.session(try jar.newSession(account.held)))
            response.setCookie(jar.clearLoginCSRF())
            return response
        } catch let error as DomainError {
            let status: HTTPResponse.Status = error.status == .tooManyRequests ? .tooManyRequests : (error.status == .badRequest ? .badRequest : .unauthorized)
            return try self.form(request, next: next, kind: attempt.kind.rawValue, ddi: attempt.ddi, staff: attempt.staff, error: error.message, status: status)
        }
    }

    /// What someone typed into a sign-in (or add-account) form.
    static func attempt(_ form: Form, remoteAddress: String?, requestID: String) -> SignInAttempt {
        SignInAttempt(
            kind: form["kind"] == "staff" ? .staff : .tenant, ddi: form["ddi"] ?? "", staff: form["staff"] ?? "", token: form["token"] ?? "",
            remoteAddress: remoteAddress, requestID: requestID)
    }

    /// Where an account lands after signing in.
    static func home(for principal: Principal) -> String {
        switch principal {
        case .tenant: Paths.dashboard
        case .staff(_, .admin): Paths.admin
        case .staff(_, .support): Paths.support
        }
    }

    /// Only local paths are followed (no open redirect): printable ASCII without spaces or backslashes
    /// (browsers drop tabs and newlines, which would turn "/\t/evil" into "//evil"), starting with one "/".
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), next.count <= 2048,
            next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && $0 != "\\" }),
            !next.hasPrefix(Paths.login), !next.hasPrefix(Paths.logout)
        else {
            return nil
        }
        return next
    }
}
