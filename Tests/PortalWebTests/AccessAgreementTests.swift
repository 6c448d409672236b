import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCore
import PortalDomain
@testable import PortalWeb
import Testing
import TestSupport

/// The whole access matrix walked twice, through the HTML portal and through the API, cell by
/// cell: for every caller, visibility and action, the portal and the API give the same answer,
/// and the image page offers an action exactly when the API would allow it.
@Suite("Portal and API agree on every access cell")
struct AccessAgreementTests {
    typealias Caller = MatrixCaller

    /// What both surfaces can do to an image.
    enum Action: String, CaseIterable, Sendable {
        case show, download, update, delete, addMember, removeMember, answer, boot

        /// The page's form or link for the action, which it offers only when the action is allowed.
        func marker(_ id: ImageID) -> String? {
            switch self {
            case .show: nil
            case .download: #"href="/images/\#(id)/download""#
            case .update: #"action="/images/\#(id)/edit""#
            case .delete: #"action="/images/\#(id)/delete""#
            case .addMember: #"action="/images/\#(id)/share""#
            case .removeMember: #"action="/images/\#(id)/members/remove""#
            case .answer: #"action="/images/\#(id)/status""#
            case .boot: #"action="/images/\#(id)/boot""#
            }
        }
    }

    /// One cell's answers: the API's and the portal's (success folded to "ok", refusals by status),
    /// and whether the image page offered the action.
    struct Cell: Equatable, CustomStringConvertible {
        var api: String
        var portal: String
        var offered: Bool?

        var description: String { "api \(api), portal \(portal)" + (offered.map { ", offered \($0)" } ?? "") }
    }

    /// A fresh image of the owner: shared with 2002 (in the caller's status, pending otherwise),
    /// then switched to `visibility`.
    static func prepare(_ cast: Cast, caller: Caller, visibility: Visibility) async throws -> Image {
        let image = try await cast.image("agreement", data: Array("agreement data".utf8))
        try await cast.share(image, with: cast.consumer, status: caller.memberStatus ?? .pending)
        if visibility != .shared { try await cast.setVisibility(image, visibility) }
        return image
    }

    /// Success folded to "ok": the API answers 2xx, the portal redirects (303) or renders (200).
    static func outcome(_ status: HTTPResponse.Status) -> String {
        (200..<400).contains(status.code) ? "ok" : String(status.code)
    }

    /// The action through the API, as the caller's token.
    static func api(_ action: Action, _ id: ImageID, as credential: Credential, client: some TestClientProtocol) async throws -> HTTPResponse.Status {
        let path = "/image/v2/images/\(id)"
        func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, type: String = "application/json") async throws -> HTTPResponse.Status {
            var headers = credential.headers
            if json != nil { headers[.contentType] = type }
            return try await client.executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }).status
        }
        let own = credential.tenant?.rawValue ?? "0"
        switch action {
        case .show: return try await send(.get, path)
        case .download: return try await send(.get, path + "/file")
        case .update:
            return try await send(.patch, path, json: #"[{"op": "replace", "path": "/name", "value": "changed"}]"#, type: "application/openstack-images-v2.1-json-patch")
        case .delete: return try await send(.delete, path)
        case .addMember: return try await send(.post, path + "/members", json: #"{"member": "5005"}"#)
        case .removeMember: return try await send(.delete, path + "/members/2002")
        case .answer: return try await send(.put, path + "/members/\(own)", json: #"{"status": "accepted"}"#)
        case .boot: return try await send(.post, "/compute/v2.1/servers", json: #"{"server": {"name": "vm", "imageRef": "\#(id)"}}"#)
        }
    }

    /// The action through the portal, signed in as the caller.
    static func portal(_ action: Action, _ id: ImageID, browser: inout Browser) async throws -> HTTPResponse.Status {
        let base = Paths.image(id)
        switch action {
        case .show: return try await browser.get(base).status
        case .download: return try await browser.get(base + "/download").status
        case .update: return try await browser.submit(base + "/edit", [("name", "changed")]).status
        case .delete: return try await browser.submit(base + "/delete").status
        case .addMember: return try await browser.submit(base + "/share", [("members", "5005")]).status
        case .removeMember: return try await browser.submit(base + "/members/remove", [("member", "2002")]).status
        case .answer: return try await browser.submit(base + "/status", [("status", "accepted")]).status
        case .boot: return try await browser.submit(base + "/boot", [("name", "vm")]).status
        }
    }

    /// A cell of the matrix.
    struct Anchor {
        var caller: Caller
        var visibility: Visibility
        var action: Action
        var expected: String
    }

    /// A few cells whose answer is known, so the comparison cannot pass by both sides failing alike.
    static let anchors: [Anchor] = [
        Anchor(caller: .owner, visibility: .shared, action: .update, expected: "ok"),
        Anchor(caller: .owner, visibility: .shared, action: .addMember, expected: "ok"),
        Anchor(caller: .owner, visibility: .private, action: .removeMember, expected: "403"),
        Anchor(caller: .memberPending, visibility: .shared, action: .answer, expected: "ok"),
        Anchor(caller: .memberRejected, visibility: .shared, action: .download, expected: "ok"),
        Anchor(caller: .stranger, visibility: .private, action: .show, expected: "404"),
        Anchor(caller: .stranger, visibility: .public, action: .boot, expected: "ok"),
        Anchor(caller: .support, visibility: .shared, action: .delete, expected: "403"),
        Anchor(caller: .support, visibility: .shared, action: .download, expected: "403"),
        Anchor(caller: .staffAdmin, visibility: .community, action: .update, expected: "ok"),
        Anchor(caller: .tenantAdmin, visibility: .shared, action: .removeMember, expected: "ok"),
    ]

    @Test(arguments: Caller.allCases, Visibility.allCases)
    func portalAndAPI_agreeOnEveryAction(_ caller: Caller, _ visibility: Visibility) async throws {
        // Given two fresh images per action (one for each surface), with the caller's relation to them
        let cast = try await Cast()
        let credential = caller.credential(in: cast)
        var apiImages: [Action: Image] = [:]
        var portalImages: [Action: Image] = [:]
        for action in Action.allCases {
            apiImages[action] = try await Self.prepare(cast, caller: caller, visibility: visibility)
            portalImages[action] = try await Self.prepare(cast, caller: caller, visibility: visibility)
        }
        let (forAPI, forPortal) = (apiImages, portalImages)
        // When the caller tries every action through both
        let cells = try await cast.world.application().test(.router) { client -> [Action: Cell] in
            var browser = Browser(client)
            #expect(try await browser.signIn(credential).status == .seeOther)
            var cells: [Action: Cell] = [:]
            for action in Action.allCases {
                let apiImage = try #require(forAPI[action]).id
                let portalImage = try #require(forPortal[action]).id
                // What the page offers, read before anything changes the image.
                let page = try await browser.get(Paths.image(portalImage))
                let offered = action.marker(portalImage).map { page.status == .ok && page.text.contains($0) }
                let api = Self.outcome(try await Self.api(action, apiImage, as: credential, client: client))
                let portal = Self.outcome(try await Self.portal(action, portalImage, browser: &browser))
                cells[action] = Cell(api: api, portal: portal, offered: offered)
            }
            return cells
        }
        // Then both surfaces answer the same, and the page offers exactly what is allowed
        for anchor in Self.anchors where anchor.caller == caller && anchor.visibility == visibility {
            #expect(cells[anchor.action]?.api == anchor.expected, "anchor \(anchor.action.rawValue)")
        }
        for action in Action.allCases {
            let cell = try #require(cells[action])
            #expect(cell.api == cell.portal, "\(action.rawValue): \(cell)")
            guard let offered = cell.offered else { continue }
            if action == .addMember && visibility == .private {
                // The share form offers to make a private image shared first: the owner's edit rights decide.
                #expect(offered == (cells[.update]?.api == "ok"), "\(action.rawValue): \(cell)")
            } else {
                #expect(offered == (cell.api == "ok"), "\(action.rawValue): \(cell)")
            }
        }
    }
}
