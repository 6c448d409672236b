import Foundation
import Hummingbird
import PortalAuth
import PortalCrypto
import PortalDomain
import PortalStorage

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
        let kind = form["kind"] == "staff" ? "staff" : "tenant"
        let next = form["next"]
        let attempt = SignInAttempt(kind: kind, ddi: form["ddi"] ?? "", staff: form["staff"] ?? "", token: form["token"] ?? "")
        do {
            let account = try await Self.check(attempt, services: services, remoteAddress: context.remoteAddress, requestID: context.requestID)
            let now = services.clock.now()
            let payload = SessionPayload(
                sid: try SessionCodec.newSessionID(), iat: Int64(now.timeIntervalSince1970),
                exp: Int64(now.addingTimeInterval(services.sessionLifetime).timeIntervalSince1970), accounts: AccountSet(first: account.held))
            var response = Response.redirect(to: Self.safeNext(next) ?? Self.home(for: account.principal), jar: jar)
            response.setCookie(jar.session(payload))
            response.setCookie(Cookie(name: "portal_login", value: "", maxAge: 0, path: "/login", secure: services.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        } catch let error as DomainError {
            let status: HTTPResponse.Status = error.status == .tooManyRequests ? .tooManyRequests : (error.status == .badRequest ? .badRequest : .unauthorized)
            return try self.form(request, next: next, kind: kind, ddi: attempt.ddi, staff: attempt.staff, error: error.message, status: status)
        }
    }

    /// What someone typed into a sign-in (or add-account) form.
    struct SignInAttempt {
        var kind: String
        var ddi: String
        var staff: String
        var token: String
    }

    /// A checked account: the principal and the held-account entry for the session.
    struct CheckedAccount {
        var principal: Principal
        var held: HeldAccount
    }

    /// Checks a sign-in exactly the same way for the sign-in page and "Add account": rate limited
    /// per client address and per account, the token must be valid and belong to that account.
    /// Failures and successes are audited.
    static func check(_ attempt: SignInAttempt, services: WebServices, remoteAddress: String?, requestID: String) async throws -> CheckedAccount {
        let now = services.clock.now()
        let accountKey = attempt.kind == "staff" ? "s:\(attempt.staff)" : "t:\(attempt.ddi)"
        let limitKeys = ["ip:\(remoteAddress ?? "unknown")", "account:\(accountKey)"]
        if let wait = services.loginLimiter.blocked(limitKeys, now: now) {
            throw DomainError.rateLimited("Too many failed sign-ins. Try again in \(Int(wait / 60) + 1) minutes.")
        }
        let expected: String
        var tenant: TenantID?
        switch attempt.kind {
        case "staff":
            guard let name = StaffName(rawValue: attempt.staff) else { throw DomainError.invalid("Enter your staff name.") }
            expected = "s:\(name)"
        default:
            guard let id = TenantID(rawValue: attempt.ddi) else { throw DomainError.invalid("A tenant ID (DDI) is 1 to 16 digits.") }
            tenant = id
            expected = "t:\(id)"
        }
        guard !attempt.token.isEmpty, let info = try await services.accounts.authenticate(attempt.token),
            HeldAccount.key(of: info.principal) == expected
        else {
            services.loginLimiter.recordFailure(limitKeys, now: now)
            try await services.audit.record(
                AuditEvent(
                    at: now, type: .loginFailed, actorLabel: "anonymous (\(remoteAddress ?? "unknown address"))", requestID: requestID, otherTenant: tenant,
                    detail: "failed sign-in as \(attempt.kind == "staff" ? "staff \(attempt.staff.prefix(64))" : "tenant \(attempt.ddi)")"))
            throw DomainError.unauthenticated(
                attempt.kind == "staff" ? "That staff name and token do not match an active token." : "That tenant ID and token do not match an active token.")
        }
        try await services.audit.record(
            AuditEvent(
                at: now, type: .loginSucceeded, actor: Actor(principal: info.principal, tokenID: info.id, requestID: requestID), otherTenant: tenant,
                detail: "signed in to the portal"))
        return CheckedAccount(principal: info.principal, held: HeldAccount(key: expected, tokenID: info.id))
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

/// The sign-in page.
enum LoginPage {
    struct Model {
        let csrf: String
        let next: String
        let isStaff: Bool
        let ddi: String
        let staff: String
        let error: String?
        let flashes: [Flash]
    }
}
