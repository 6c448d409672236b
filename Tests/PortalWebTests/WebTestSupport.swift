import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCore
import PortalDomain
import PortalStorage
@testable import PortalWeb
import Testing
import TestSupport

// MARK: - Hostile values

/// Values every page must show escaped.
enum Hostile {
    /// Markup in text content.
    static let script = "<script>alert(1)</script>"
    /// How `script` reads once escaped.
    static let scriptEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    /// A value that breaks out of a quoted attribute unless escaped.
    static let attribute = "x\" onfocus=\"alert(2)"
    /// How `attribute` reads once escaped.
    static let attributeEscaped = "x&quot; onfocus=&quot;alert(2)"
}

// MARK: - A browser over the router test client

/// One `Set-Cookie` header, parsed.
struct SetCookie {
    let name: String
    let value: String
    /// Attribute names lower-cased; flags (HttpOnly, Secure) map to "".
    let attributes: [String: String]
    /// The header as sent.
    let raw: String

    init?(_ header: String) {
        let pieces = header.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = pieces.first, let equals = first.firstIndex(of: "=") else { return nil }
        name = String(first[..<equals])
        value = String(first[first.index(after: equals)...])
        var attributes: [String: String] = [:]
        for piece in pieces.dropFirst() where !piece.isEmpty {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            attributes[pair[0].lowercased()] = pair.count > 1 ? pair[1] : ""
        }
        self.attributes = attributes
        raw = header
    }

    /// Max-Age=0: the browser deletes the cookie.
    var deletes: Bool { attributes["max-age"] == "0" }
}

extension TestResponse {
    /// The body as UTF-8 text.
    var text: String { String(buffer: body) }
    /// The `Location` header.
    var location: String? { headers[.location] }
    /// Every `Set-Cookie` header, parsed.
    var setCookies: [SetCookie] { headers[values: .setCookie].compactMap(SetCookie.init) }
    /// The `Set-Cookie` of one cookie, if this response sets it.
    func setCookie(_ name: String) -> SetCookie? { setCookies.last { $0.name == name } }
}

/// A browser for router tests: it keeps the cookies the server sets (Max-Age=0 deletes one),
/// sends them back on every request, and fills in the portal's CSRF tokens.
struct Browser {
    let client: any TestClientProtocol
    /// Cookies held, by name.
    var cookies: [String: String] = [:]
    /// Sent with every request (as a proxy in front would add them).
    var extraHeaders: HTTPFields = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    /// The signed session cookie, if signed in.
    var sessionCookie: String? { cookies[SessionCodec.cookieName] }

    @discardableResult
    mutating func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        var fields = headers
        for field in extraHeaders where fields[field.name] == nil { fields.append(field) }
        if !cookies.isEmpty {
            fields[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: fields, body: body)
        for cookie in response.setCookies {
            cookies[cookie.name] = cookie.deletes ? nil : cookie.value
        }
        return response
    }

    @discardableResult
    mutating func get(_ uri: String) async throws -> TestResponse {
        try await send(.get, uri)
    }

    /// Posts an urlencoded form, fields in order (repeats kept).
    @discardableResult
    mutating func post(_ uri: String, form: [(name: String, value: String)]) async throws -> TestResponse {
        try await send(
            .post, uri, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: QueryItems.encode(form)))
    }

    /// Posts an urlencoded form with this session's CSRF token first.
    @discardableResult
    mutating func submit(_ uri: String, _ form: [(name: String, value: String)] = []) async throws -> TestResponse {
        let token = try await csrf()
        return try await post(uri, form: [("_csrf", token)] + form)
    }

    /// Follows a redirect with a GET.
    @discardableResult
    mutating func follow(_ response: TestResponse) async throws -> TestResponse {
        let location = try #require(response.location, "expected a redirect, got \(response.status)")
        return try await get(location)
    }

    /// This session's CSRF token, read from a page's form.
    /// Sends a multipart form to an upload endpoint, with the session's CSRF token in the action, as the page does.
    mutating func upload(_ body: MultipartBody, to path: String = "/import/upload", headers extra: HTTPFields = [:]) async throws -> TestResponse {
        let csrf = try await csrf()
        var headers = extra
        headers[.contentType] = body.contentType
        return try await send(.post, "\(path)?_csrf=\(csrf)", headers: headers, body: ByteBuffer(bytes: body.finished))
    }

    mutating func csrf() async throws -> String {
        let page = try await get(Paths.logout)
        return try #require(HTML.hiddenValue("_csrf", in: page.text), "no CSRF field on the sign-out page (status \(page.status))")
    }

    /// Signs in the way the sign-in page does: GET the form (its CSRF cookie and field), then POST.
    @discardableResult
    mutating func signIn(_ credential: Credential, token: String? = nil) async throws -> TestResponse {
        let page = try await get(Paths.login)
        let nonce = try #require(HTML.hiddenValue("_csrf", in: page.text))
        return try await post(Paths.login, form: [("_csrf", nonce)] + Self.accountFields(credential, token: token))
    }

    /// The fields of the sign-in and add-account forms for a credential.
    static func accountFields(_ credential: Credential, token: String? = nil) -> [(name: String, value: String)] {
        switch credential.principal {
        case .tenant(let id, _):
            [("kind", "tenant"), ("ddi", id.rawValue), ("token", token ?? credential.secret)]
        case .staff(let name, _):
            [("kind", "staff"), ("staff", name.rawValue), ("token", token ?? credential.secret)]
        }
    }

    /// Adds an account to this session (POST /session/accounts).
    @discardableResult
    mutating func addAccount(_ credential: Credential, token: String? = nil) async throws -> TestResponse {
        try await submit(Paths.accountsAdd, Self.accountFields(credential, token: token))
    }

    /// Switches the active account (POST /session/switch).
    @discardableResult
    mutating func switchTo(_ key: String) async throws -> TestResponse {
        try await submit(Paths.accountsSwitch, [("account", key)])
    }
}

// MARK: - HTML

/// Small readers of rendered pages.
enum HTML {
    /// The value of the first hidden field `name`.
    static func hiddenValue(_ name: String, in html: String) -> String? {
        values(ofField: name, in: html).first
    }

    /// The `value` of every input named `name`, unescaped.
    static func values(ofField name: String, in html: String) -> [String] {
        tags("input", in: html).compactMap { tag in
            attributes(of: tag)["name"] == name ? attributes(of: tag)["value"] : nil
        }
    }

    /// Every opening tag of an element (`<input ...>`), in order, with its offset.
    static func tags(_ element: String, in html: String) -> [String] {
        tagMatches(element, in: html).map(\.tag)
    }

    static func tagMatches(_ element: String, in html: String) -> [(tag: String, offset: Int)] {
        guard let regex = try? NSRegularExpression(pattern: "<\(element)\\b[^>]*>", options: [.caseInsensitive]) else { return [] }
        let text = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: text.length)).map { (text.substring(with: $0.range), $0.range.location) }
    }

    /// Attributes of one tag, names lower-cased, values unescaped; boolean attributes map to "".
    static func attributes(of tag: String) -> [String: String] {
        guard let regex = try? NSRegularExpression(pattern: "([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+)))?") else { return [:] }
        let text = tag as NSString
        var result: [String: String] = [:]
        let matches = regex.matches(in: tag, range: NSRange(location: 0, length: text.length))
        for match in matches.dropFirst() {  // the first is the element name
            let name = text.substring(with: match.range(at: 1)).lowercased()
            var value = ""
            for group in 2...4 where match.range(at: group).location != NSNotFound {
                value = unescape(text.substring(with: match.range(at: group)))
            }
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    /// Every `<form ...>...</form>`, whole.
    static func forms(in html: String) -> [String] {
        blocks("form", in: html)
    }

    /// Every `<element ...>...</element>` (not nested), whole.
    static func blocks(_ element: String, in html: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: "<\(element)\\b[^>]*>.*?</\(element)>", options: [.caseInsensitive, .dotMatchesLineSeparators]) else {
            return []
        }
        let text = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: text.length)).map { text.substring(with: $0.range) }
    }

    /// The first element whose opening tag contains `marker` (e.g. `id="inbox"`), whole.
    static func block(_ element: String, containing marker: String, in html: String) -> String? {
        blocks(element, in: html).first { block in
            guard let end = block.firstIndex(of: ">") else { return false }
            return block[...end].contains(marker)
        }
    }

    /// The flash messages shown on a page, unescaped.
    static func flashes(in html: String) -> [String] {
        blocks("p", in: html).filter { $0.hasPrefix("<p class=\"flash") }.map { text(of: $0) }
    }

    /// The text of an element: tags dropped, entities unescaped, whitespace collapsed.
    static func text(of html: String) -> String {
        let stripped = html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        return unescape(stripped).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The text inside `<h1>`.
    static func heading(in html: String) -> String? {
        blocks("h1", in: html).first.map { text(of: $0) }
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Whether `word` occurs in `text` as a whole token (not inside a longer run of letters and digits).
    static func containsWord(_ word: String, in text: String) -> Bool {
        let pattern = "(?<![A-Za-z0-9])" + NSRegularExpression.escapedPattern(for: word) + "(?![A-Za-z0-9])"
        return text.range(of: pattern, options: .regularExpression) != nil
    }
}

/// What a well-formed portal page must satisfy, as lists of problems (empty when fine).
enum PageChecks {
    /// Every POST form carries the CSRF token: a hidden `_csrf` field with the expected value, or
    /// (multipart uploads) `_csrf=` in its action.
    static func postFormsWithoutCSRF(_ html: String, expected: String) -> [String] {
        HTML.forms(in: html).compactMap { form in
            let open = HTML.attributes(of: HTML.tags("form", in: form).first ?? "")
            guard open["method"]?.lowercased() == "post" else { return nil }
            let fields = HTML.values(ofField: "_csrf", in: form)
            if fields.contains(expected) { return nil }
            if let action = open["action"], action.contains("_csrf=" + expected) { return nil }
            return "POST form without the session's CSRF token: \(form.prefix(160))"
        }
    }

    /// Every form control (input, select, textarea; not hidden fields or buttons) has a label:
    /// `<label for=id>`, an enclosing `<label>`, or `aria-label`/`aria-labelledby`.
    static func unlabelledControls(_ html: String) -> [String] {
        var problems: [String] = []
        let labelFors = Set(HTML.tags("label", in: html).compactMap { HTML.attributes(of: $0)["for"] })
        let opens = HTML.tagMatches("label", in: html).map(\.offset)
        let closes = offsets(of: "</label>", in: html)
        for element in ["input", "select", "textarea"] {
            for (tag, offset) in HTML.tagMatches(element, in: html) {
                let attributes = HTML.attributes(of: tag)
                if ["hidden", "submit", "button", "reset", "image"].contains(attributes["type"]?.lowercased() ?? "") { continue }
                if attributes["aria-label"] != nil || attributes["aria-labelledby"] != nil { continue }
                if let id = attributes["id"], labelFors.contains(id) { continue }
                let lastOpen = opens.last { $0 < offset } ?? -1
                let lastClose = closes.last { $0 < offset } ?? -1
                if lastOpen > lastClose { continue }
                problems.append("unlabelled control: \(tag)")
            }
        }
        return problems
    }

    /// The landmarks of a signed-in page: the main region and the labelled main navigation.
    static func missingLandmarks(_ html: String, signedIn: Bool) -> [String] {
        var problems: [String] = []
        if !html.contains("<main") { problems.append("no <main>") }
        if signedIn && !html.contains("<nav aria-label=\"Main\"") { problems.append("no <nav aria-label=\"Main\">") }
        return problems
    }

    /// Hostile values appear only escaped.
    static func unescapedValues(_ html: String) -> [String] {
        var problems: [String] = []
        if html.contains(Hostile.script) { problems.append("raw <script> from a value") }
        if html.contains(Hostile.attribute) { problems.append("raw attribute break-out from a value") }
        return problems
    }

    /// Nothing the CSP (`script-src 'self'; style-src 'self'`) would block: no inline script,
    /// no inline event handlers, no style attributes or elements.
    static func inlineScriptOrStyle(_ html: String) -> [String] {
        var problems: [String] = []
        for tag in HTML.tags("script", in: html) where HTML.attributes(of: tag)["src"] == nil { problems.append("inline script: \(tag)") }
        if html.range(of: "<style\\b", options: [.regularExpression, .caseInsensitive]) != nil { problems.append("inline <style>") }
        for element in ["a", "button", "input", "form", "body", "div", "img", "select", "p", "span", "td", "tr", "li", "details"] {
            for tag in HTML.tags(element, in: html) {
                let names = HTML.attributes(of: tag).keys
                if names.contains("style") { problems.append("style attribute: \(tag)") }
                if names.contains(where: { $0.hasPrefix("on") }) { problems.append("inline event handler: \(tag)") }
            }
        }
        return problems
    }

    private static func offsets(of needle: String, in html: String) -> [Int] {
        var result: [Int] = []
        let text = html as NSString
        var range = NSRange(location: 0, length: text.length)
        while true {
            let found = text.range(of: needle, options: [.caseInsensitive], range: range)
            if found.location == NSNotFound { break }
            result.append(found.location)
            range = NSRange(location: found.location + found.length, length: text.length - found.location - found.length)
        }
        return result
    }
}

// MARK: - Multipart bodies built by hand

/// A `multipart/form-data` body, byte for byte.
struct MultipartBody {
    let boundary: String
    private(set) var bytes: [UInt8] = []

    init(boundary: String = "----PortalTestBoundary7MA4YWxkTrZu0gW") { self.boundary = boundary }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func field(_ name: String, _ value: String) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, filename: String, contentType: String = "application/octet-stream", data: [UInt8]) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        bytes += data
        bytes += Array("\r\n".utf8)
    }

    /// The body with its closing delimiter.
    var finished: [UInt8] { bytes + Array("--\(boundary)--\r\n".utf8) }
}

// MARK: - World helpers

extension TestWorld {
    /// Every audit event (read as the command-line operator), oldest first, optionally filtered.
    func auditEvents(type: AuditEventType? = nil, image: ImageID? = nil) async throws -> [AuditEvent] {
        var query = AuditQuery()
        query.type = type
        query.imageID = image
        query.limit = AuditQuery.maxLimit
        return try await dependencies.useCases.audit.events(query, for: .staff(.commandLineOperator, role: .admin)).events.reversed()
    }

    /// The members of an image, as its owner sees them, by tenant.
    func memberStatuses(of image: ImageID, owner: Credential) async throws -> [String: MemberStatus] {
        let members = try await dependencies.useCases.sharing.members(of: image, for: owner.principal, api: .v2)
        return Dictionary(uniqueKeysWithValues: members.map { ($0.memberID.rawValue, $0.status) })
    }

    /// The session codec the portal signs cookies with.
    var codec: SessionCodec { SessionCodec(keys: dependencies.sessionKeys) }

    /// The payload of a session cookie, verified.
    func payload(of cookie: String?) -> SessionPayload? {
        cookie.flatMap { codec.decode($0, now: now) }
    }
}

