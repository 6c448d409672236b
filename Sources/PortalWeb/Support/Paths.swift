import PortalDomain

/// Every portal path, used both to register routes and to build links, so they cannot drift apart.
enum Paths {
    static let dashboard = "/"
    static let login = "/login"
    static let logout = "/logout"
    static let images = "/images"
    static let importPage = "/import"
    static let importUpload = "/import/upload"
    static let importObject = "/import/object"
    static let servers = "/servers"
    static let files = "/files"
    static let tasks = "/tasks"
    static let activity = "/activity"
    static let activityCSV = "/activity.csv"
    static let settings = "/settings"
    static let settingsTokens = "/settings/tokens"
    static let settingsIssued = "/settings/tokens/issued"
    static let admin = "/admin"
    static let adminTenants = "/admin/tenants"
    static let adminTokens = "/admin/tokens"
    static let support = "/support"
    static let supportShares = "/support/shares"
    static let supportLookup = "/support/lookup"
    static let accountsAdd = "/session/accounts"
    static let accountsSwitch = "/session/switch"
    static let accountsInbox = "/session/inbox"

    static func image(_ id: ImageID) -> String { "/images/\(id)" }
    static func image(_ id: ImageID, _ action: String) -> String { "/images/\(id)/\(action)" }
    static func server(_ id: ServerID) -> String { "/servers/\(id)" }
    static func server(_ id: ServerID, _ action: String) -> String { "/servers/\(id)/\(action)" }
    static func task(_ id: TaskID) -> String { "/tasks/\(id)" }
    static func container(_ name: String) -> String { "/files/\(segment(name))" }
    static func container(_ name: String, _ action: String) -> String { "/files/\(segment(name))/\(action)" }
    static func object(_ container: String, _ name: String) -> String { "/files/\(segment(container))/object?name=\(segment(name))" }
    static func supportImage(_ id: ImageID) -> String { "/support/images/\(id)" }
    static func supportTenant(_ id: TenantID) -> String { "/support/tenants/\(id)" }
    static func adminTenant(_ id: TenantID) -> String { "/admin/tenants/\(id)" }
    static func tokenRevoke(_ id: TokenID) -> String { "/settings/tokens/\(id)/revoke" }
    static func adminTokenRevoke(_ id: TokenID) -> String { "/admin/tokens/\(id)/revoke" }

    /// Percent-encodes a path segment or query value.
    static func segment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
