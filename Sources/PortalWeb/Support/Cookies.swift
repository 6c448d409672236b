import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalDomain
import PortalCore

/// Builds the portal's cookies with one set of flags: HttpOnly, SameSite=Lax, Path=/, Secure
/// behind `--secure-cookies`.
struct CookieJar: Sendable {
    let codec: SessionCodec
    let secure: Bool
    let lifetime: TimeInterval
    let clock: PortalClock

    func session(_ payload: SessionPayload) -> Cookie {
        let left = max(0, Int(payload.exp) - Int(clock.now().timeIntervalSince1970))
        return Cookie(name: SessionCodec.cookieName, value: codec.encode(payload), maxAge: left, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A fresh session holding one account, for the session lifetime from now.
    func newSession(_ account: HeldAccount) throws -> SessionPayload {
        let now = clock.now()
        return SessionPayload(
            sid: try SessionCodec.newSessionID(), iat: Int64(now.timeIntervalSince1970), exp: Int64(now.addingTimeInterval(lifetime).timeIntervalSince1970),
            accounts: AccountSet(first: account))
    }

    func clearSession() -> Cookie {
        Cookie(name: SessionCodec.cookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Browsers drop cookies over 4 KB; flash text is kept well below that.
    static let flashBudget = 2800

    func flash(_ flashes: [Flash]) -> Cookie {
        var kept: [Flash] = []
        var used = 0
        for flash in flashes {
            var flash = flash
            if flash.text.utf8.count > 600 { flash.text = String(flash.text.prefix(560)) + "…" }
            guard used + flash.text.utf8.count <= Self.flashBudget else { break }
            used += flash.text.utf8.count
            kept.append(flash)
        }
        let json = (try? JSONEncoder().encode(kept)) ?? Data("[]".utf8)
        return Cookie(
            name: SessionCodec.flashCookieName, value: codec.sign(base64url(json)), maxAge: 120, path: "/", secure: secure, httpOnly: true,
            sameSite: .lax)
    }

    /// Adds a message to the flash a response sets (or sets one).
    func addFlash(_ flash: Flash, to response: inout Response) {
        let prefix = SessionCodec.flashCookieName + "="
        var cookies = response.headers[values: .setCookie]
        var existing: [Flash] = []
        if let index = cookies.firstIndex(where: { $0.hasPrefix(prefix) }) {
            let value = String(cookies[index].dropFirst(prefix.count).prefix { $0 != ";" })
            if let verified = codec.verify(value), let data = fromBase64url(verified), let decoded = try? JSONDecoder().decode([Flash].self, from: data) {
                existing = decoded
            }
            cookies.remove(at: index)
            response.headers[values: .setCookie] = cookies
        }
        response.setCookie(self.flash(existing + [flash]))
    }

    func clearFlash() -> Cookie {
        Cookie(name: SessionCodec.flashCookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func readFlash(_ request: Request) -> [Flash] {
        guard let cookie = request.cookies[SessionCodec.flashCookieName]?.value, let value = codec.verify(cookie),
            let data = fromBase64url(value), let flashes = try? JSONDecoder().decode([Flash].self, from: data)
        else { return [] }
        return Array(flashes.prefix(10))
    }

    /// A pre-session CSRF token for the sign-in form (double submit: signed cookie + hidden field).
    func loginCSRF(_ value: String) -> Cookie {
        Cookie(name: "portal_login", value: codec.sign(value), maxAge: 3600, path: "/login", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// Ends the sign-in form's CSRF cookie once it has been used.
    func clearLoginCSRF() -> Cookie {
        Cookie(name: "portal_login", value: "", maxAge: 0, path: "/login", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func verifyLoginCSRF(_ request: Request, submitted: String?) -> Bool {
        guard let submitted, let cookie = request.cookies["portal_login"]?.value, let value = codec.verify(cookie) else { return false }
        return value == submitted
    }

    private func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private func fromBase64url(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

extension Response {
    /// 303 See Other to `location`, with flash messages for the next page.
    static func redirect(to location: String, flash: [Flash] = [], jar: CookieJar) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if !flash.isEmpty { response.setCookie(jar.flash(flash)) }
        return response
    }

    /// Where to go next, for a form the page script sent itself (`X-Portal-Upload: 1`): a 200 with the
    /// location, since a script that followed a redirect would consume the page's flash message.
    static func redirect(to location: String, flash: [Flash], jar: CookieJar, for request: Request) -> Response {
        guard request.headers[.literal("X-Portal-Upload")] == "1" else { return redirect(to: location, flash: flash, jar: jar) }
        var response = Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"location\":\"" + location + "\"}")))
        if !flash.isEmpty { response.setCookie(jar.flash(flash)) }
        return response
    }
}
