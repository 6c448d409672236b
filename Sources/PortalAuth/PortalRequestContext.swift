import Foundation
import Logging
package import Hummingbird
import NIOCore
package import PortalDomain
import Synchronization

/// Who a request was authenticated as.
package struct Identity: Hashable, Sendable {
    package var principal: Principal
    /// The token behind the request (API token, or the token a web session was opened with).
    package var tokenID: TokenID?

    package init(principal: Principal, tokenID: TokenID?) {
        self.principal = principal
        self.tokenID = tokenID
    }
}

/// Per-request facts that outer middleware (the access log) reads after inner middleware set them.
package final class RequestState: Sendable {
    private let principalLabel = Mutex<String?>(nil)

    package init() {}

    /// The principal's label, once authenticated.
    package var principal: String? {
        get { principalLabel.withLock { $0 } }
        set { principalLabel.withLock { $0 = newValue } }
    }
}

/// The request context of every request: a request ID, the caller's address, and (once a
/// middleware has checked credentials) its identity.
package struct PortalRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// `req-<uuid>`, returned as `X-Openstack-Request-Id` and logged with every line.
    package var requestID: String
    /// The peer's IP address, for rate limiting.
    package var remoteAddress: String?
    /// Set by the token or session middleware.
    package var identity: Identity?
    /// Shared with outer middleware.
    package let state: RequestState
    /// Anything else the web layer attaches (the session); opaque here.
    package var attachments: [String: any Sendable] = [:]

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = "req-" + UUID().uuidString.lowercased()
        remoteAddress = source.channel.remoteAddress?.ipAddress
        state = RequestState()
        logger[metadataKey: "request.id"] = .string(requestID)
    }

    /// JSON and form bodies are small; image data is streamed, never collected.
    package var maxUploadSize: Int { 1 << 20 }

    /// The actor for audit events, when authenticated.
    package var actor: Actor? {
        identity.map { Actor(principal: $0.principal, tokenID: $0.tokenID, requestID: requestID) }
    }
}

/// A context that exists only with an authenticated principal: "authenticated" as a type.
package struct AuthenticatedContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let requestID: String
    package let identity: Identity
    package let remoteAddress: String?
    package let state: RequestState
    package var attachments: [String: any Sendable]

    /// Fails with 401 unless a middleware authenticated the request.
    package init(context: PortalRequestContext) throws {
        guard let identity = context.identity else {
            throw DomainError.unauthenticated("This request needs an X-Auth-Token header with a valid token.")
        }
        coreContext = context.coreContext
        requestID = context.requestID
        self.identity = identity
        remoteAddress = context.remoteAddress
        state = context.state
        attachments = context.attachments
    }

    /// The caller.
    package var principal: Principal { identity.principal }

    /// The actor for audit events.
    package var actor: Actor { Actor(principal: identity.principal, tokenID: identity.tokenID, requestID: requestID) }

    package var maxUploadSize: Int { 1 << 20 }
}
