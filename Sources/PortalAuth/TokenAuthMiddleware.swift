package import Hummingbird
import Logging
import PortalDomain
package import PortalCore

/// API authentication: `X-Auth-Token` → principal, or 401.
package struct TokenAuthMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext
    let accounts: Accounts

    package init(accounts: Accounts) { self.accounts = accounts }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = request.headers[.xAuthToken], !presented.isEmpty else {
            throw DomainError.unauthenticated("This request needs an X-Auth-Token header with a valid token.")
        }
        guard let token = try await accounts.authenticate(presented) else {
            throw DomainError.unauthenticated("The token is unknown, revoked or expired.")
        }
        var context = context
        context.identity = Identity(principal: token.principal, tokenID: token.id)
        context.state.principal = token.principal.label
        context.logger[metadataKey: "principal"] = .string(token.principal.label)
        return try await next(request, context)
    }
}
