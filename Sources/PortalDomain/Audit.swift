package import Foundation

/// Who did something, with which token, in which request: stamped on every audit event.
package struct Actor: Hashable, Sendable {
    package var principal: Principal
    package var tokenID: TokenID?
    package var requestID: String

    package init(principal: Principal, tokenID: TokenID?, requestID: String) {
        self.principal = principal
        self.tokenID = tokenID
        self.requestID = requestID
    }

    /// The command-line operator (no token, no request).
    package static func cli(_ command: String) -> Actor {
        Actor(principal: .staff(.commandLineOperator, role: .admin), tokenID: nil, requestID: "cli-\(command)")
    }
}

/// What an audit event records.
package enum AuditEventType: String, Codable, Sendable, CaseIterable {
    case imageCreated = "image.created"
    case imageUpdated = "image.updated"
    case imageDeleted = "image.deleted"
    case imageUploaded = "image.uploaded"
    case imageDeactivated = "image.deactivated"
    case imageReactivated = "image.reactivated"
    case memberCreated = "member.created"
    case memberUpdated = "member.updated"
    case memberDeleted = "member.deleted"
    case serverCreated = "server.created"
    case serverDeleted = "server.deleted"
    case snapshotCreated = "snapshot.created"
    case importRequested = "import.requested"
    case importSucceeded = "import.succeeded"
    case importFailed = "import.failed"
    case exportRequested = "export.requested"
    case exportBlocked = "export.blocked"
    case exportSucceeded = "export.succeeded"
    case exportFailed = "export.failed"
    case loginSucceeded = "login.succeeded"
    case loginFailed = "login.failed"
    case logout = "logout"
    case tokenIssued = "token.issued"
    case tokenRevoked = "token.revoked"
    case tenantCreated = "tenant.created"
    case staffCreated = "staff.created"
}

/// An append-only record of a change.
package struct AuditEvent: Hashable, Sendable {
    package var id: Int64?
    package var at: Date
    package var type: AuditEventType
    /// The actor's label ("tenant 1234", "staff alice (support)").
    package var actor: String
    package var actorTenant: TenantID?
    package var actorStaff: StaffName?
    package var tokenID: TokenID?
    package var requestID: String
    package var imageID: ImageID?
    /// The owner of `imageID` when the event happened.
    package var imageOwner: TenantID?
    /// The other tenant the event is about (a member, a tenant whose token changed).
    package var otherTenant: TenantID?
    package var before: String?
    package var after: String?
    package var detail: String?

    package init(
        id: Int64? = nil, at: Date, type: AuditEventType, actor: Actor, imageID: ImageID? = nil, imageOwner: TenantID? = nil,
        otherTenant: TenantID? = nil, before: String? = nil, after: String? = nil, detail: String? = nil
    ) {
        self.id = id
        self.at = at
        self.type = type
        self.actor = actor.principal.label
        switch actor.principal {
        case .tenant(let tenant, _):
            actorTenant = tenant
            actorStaff = nil
        case .staff(let name, _):
            actorTenant = nil
            actorStaff = name
        }
        self.tokenID = actor.tokenID
        self.requestID = actor.requestID
        self.imageID = imageID
        self.imageOwner = imageOwner
        self.otherTenant = otherTenant
        self.before = before
        self.after = after
        self.detail = detail
    }

    /// An event without an authenticated actor (a failed sign-in): `actorLabel` describes who tried.
    package init(at: Date, type: AuditEventType, actorLabel: String, requestID: String, otherTenant: TenantID? = nil, detail: String? = nil) {
        self.id = nil
        self.at = at
        self.type = type
        actor = actorLabel
        actorTenant = nil
        actorStaff = nil
        tokenID = nil
        self.requestID = requestID
        imageID = nil
        imageOwner = nil
        self.otherTenant = otherTenant
        before = nil
        after = nil
        self.detail = detail
    }

    /// Whether `principal` may read this event: staff (support, admin) read all; a tenant reads the
    /// events about its images, its memberships, and its own actions.
    package func isVisible(to principal: Principal) -> Bool {
        if principal.isStaff { return true }
        guard let tenant = principal.tenantID else { return false }
        return imageOwner == tenant || otherTenant == tenant || actorTenant == tenant
    }
}

/// CSV output for audit downloads, safe to open in a spreadsheet.
package enum CSV {
    /// Quotes a field when needed and defuses formula injection: a field starting with `=`, `+`,
    /// `-`, `@`, tab or carriage return is prefixed with a single quote (OWASP's advice).
    package static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            text = "'" + text
        }
        // Check scalars, not Characters: "\r\n" is one Character equal to neither "\r" nor "\n".
        if text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text != value {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    /// One CSV line (CRLF-terminated, RFC 4180).
    package static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
