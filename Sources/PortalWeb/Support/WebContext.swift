import Foundation
import Hummingbird
import Logging
import PortalAuth
import PortalDomain

/// A one-line message shown on the next page (POST-redirect-GET).
struct Flash: Codable, Hashable, Sendable {
    /// success, error or info.
    var kind: String
    var text: String

    static func success(_ text: String) -> Flash { Flash(kind: "success", text: text) }
    static func error(_ text: String) -> Flash { Flash(kind: "error", text: text) }
    static func info(_ text: String) -> Flash { Flash(kind: "info", text: text) }
}

/// One held account, checked against its token on this request.
struct WebAccount: Hashable, Sendable {
    var key: String
    var tokenID: TokenID
    var principal: Principal
    /// "1001 · Acme" or "alice (support)".
    var label: String
    /// The tenant's name, if any.
    var name: String
}

/// The verified browser session of one request.
struct WebSession: Sendable {
    var payload: SessionPayload
    var accounts: AccountSet
    /// The held accounts that passed their token check, in order.
    var verified: [WebAccount]
    var csrf: String
    var flashes: [Flash]

    var active: WebAccount { verified.first { $0.key == accounts.activeKey } ?? verified[0] }
    var others: [WebAccount] { verified.filter { $0.key != accounts.activeKey } }

    /// The session's payload with its accounts changed (added, switched, signed out).
    func payload(changing change: (inout AccountSet) throws -> Void) rethrows -> SessionPayload {
        var accounts = accounts
        try change(&accounts)
        var payload = payload
        payload.set(accounts)
        return payload
    }

    /// When the session expires.
    var expiry: Date { Date(timeIntervalSince1970: TimeInterval(payload.exp)) }
}

/// The context of every signed-in portal request.
struct WebContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let requestID: String
    let session: WebSession
    let form: Form
    let remoteAddress: String?

    init(context: PortalRequestContext) throws {
        guard let session = context.attachments[WebAttachment.session] as? WebSession else {
            throw DomainError.unauthenticated("Sign in first.")
        }
        coreContext = context.coreContext
        requestID = context.requestID
        self.session = session
        form = context.attachments[WebAttachment.form] as? Form ?? Form(fields: [])
        remoteAddress = context.remoteAddress
    }

    /// The active account's principal.
    var principal: Principal { session.active.principal }

    /// The actor for audit events: the active account and its token.
    var actor: Actor { Actor(principal: session.active.principal, tokenID: session.active.tokenID, requestID: requestID) }

    /// The actor for another held account (inbox actions, accept-for-my-account).
    func actor(for account: WebAccount) -> Actor {
        Actor(principal: account.principal, tokenID: account.tokenID, requestID: requestID)
    }

    var maxUploadSize: Int { 1 << 20 }
}

/// Keys under which middleware hands the session and the parsed form to handlers.
enum WebAttachment {
    static let session = "web.session"
    static let form = "web.form"
}
