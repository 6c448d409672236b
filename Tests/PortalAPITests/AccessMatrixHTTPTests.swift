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
import Testing
import TestSupport

/// The access policy's matrix, walked over HTTP: for each caller and visibility, the status of every
/// image operation (PRODUCT "Sharing rules", "Visibility", "Compatibility facts").
@Suite("Access matrix over HTTP")
struct AccessMatrixHTTPTests {
    typealias Caller = MatrixCaller

    /// The operations, in the column order of the matrix.
    enum Operation: String, CaseIterable, Sendable {
        /// `GET /v2/images/{id}`
        case show
        /// `GET /v2/images/{id}/file`
        case download
        /// Is the image in `GET /v2/images` (default list)? Y or -.
        case list
        /// `PATCH /v2/images/{id}` (name)
        case update
        /// `DELETE /v2/images/{id}`
        case delete
        /// `PUT /v2/images/{id}/file` on a queued image
        case upload
        /// `POST /v2/images/{id}/members` (tenant 5005)
        case addMember
        /// `DELETE /v2/images/{id}/members/2002`
        case removeMember
        /// `GET /v2/images/{id}/members`
        case listMembers
        /// `PUT /v2/images/{id}/members/2002` `{"status": "accepted"}` (members: their own record)
        case setStatus
        /// `GET /v2/images/{id}/export-check`
        case exportCheck
    }

    /// Expected answers, one row per (caller, visibility), columns in `Operation` order:
    /// `show download list update delete upload addMember removeMember listMembers setStatus exportCheck`.
    ///
    /// Where HTTP differs from the domain matrix (`AccessPolicyTests`), it is Glance's observed answer:
    /// members exist only on shared images, so adding, removing or listing members and setting a status
    /// on a public, community or private image is 403 for anyone who can see it (rule 8, compatibility facts).
    static let matrix: [Caller: [Visibility: String]] = [
        //                     public                                     community                                  shared                                     private
        .owner: row(           "200 200 Y 200 204 204 403 403 403 403 200", "200 200 Y 200 204 204 403 403 403 403 200", "200 200 Y 200 204 204 200 204 200 403 200", "200 200 Y 200 204 204 403 403 403 403 200"),
        .tenantAdmin: row(     "200 200 Y 200 204 204 403 403 403 403 200", "200 200 - 200 204 204 403 403 403 403 200", "200 200 Y 200 204 204 200 204 200 403 200", "200 200 Y 200 204 204 403 403 403 403 200"),
        .staffAdmin: row(      "200 200 Y 200 204 204 403 403 403 403 200", "200 200 - 200 204 204 403 403 403 403 200", "200 200 Y 200 204 204 200 204 200 403 200", "200 200 Y 200 204 204 403 403 403 403 200"),
        .support: row(         "200 403 Y 403 403 403 403 403 403 403 200", "200 403 - 403 403 403 403 403 403 403 200", "200 403 Y 403 403 403 403 403 200 403 200", "200 403 Y 403 403 403 403 403 403 403 200"),
        .memberPending: row(   "200 200 Y 403 403 403 403 403 403 403 200", "200 200 - 403 403 403 403 403 403 403 200", "200 200 - 403 403 403 403 403 200 200 200", "404 404 - 404 404 404 404 404 404 404 404"),
        .memberAccepted: row(  "200 200 Y 403 403 403 403 403 403 403 200", "200 200 - 403 403 403 403 403 403 403 200", "200 200 Y 403 403 403 403 403 200 200 200", "404 404 - 404 404 404 404 404 404 404 404"),
        .memberRejected: row(  "200 200 Y 403 403 403 403 403 403 403 200", "200 200 - 403 403 403 403 403 403 403 200", "200 200 - 403 403 403 403 403 200 200 200", "404 404 - 404 404 404 404 404 404 404 404"),
        .stranger: row(        "200 200 Y 403 403 403 403 403 403 403 200", "200 200 - 403 403 403 403 403 403 403 200", "404 404 - 404 404 404 404 404 404 404 404", "404 404 - 404 404 404 404 404 404 404 404"),
    ]

    private static func row(_ publicRow: String, _ communityRow: String, _ sharedRow: String, _ privateRow: String) -> [Visibility: String] {
        [.public: publicRow, .community: communityRow, .shared: sharedRow, .private: privateRow]
    }

    /// A fresh image of the owner for one operation: shared with 2002 (in the caller's status, pending
    /// otherwise), then switched to `visibility`.
    static func prepare(_ cast: Cast, caller: Caller, visibility: Visibility, queued: Bool) async throws -> Image {
        let image =
            queued
            ? try await cast.world.queuedImage(by: cast.ownerAdmin, name: "matrix")
            : try await cast.image("matrix", data: Array("matrix data".utf8))
        try await cast.share(image, with: cast.consumer, status: caller.memberStatus ?? .pending)
        if visibility != .shared { try await cast.setVisibility(image, visibility) }
        return image
    }

    @Test(arguments: Caller.allCases, Visibility.allCases)
    func operations_answerAsTheMatrixSays(_ caller: Caller, _ visibility: Visibility) async throws {
        // Given one image per operation, with the caller's relation to it
        let cast = try await Cast()
        var images: [Operation: Image] = [:]
        for operation in Operation.allCases {
            images[operation] = try await Self.prepare(cast, caller: caller, visibility: visibility, queued: operation == .upload)
        }
        let credential = caller.credential(in: cast)
        let prepared = images
        // When the caller tries every operation
        let actual = try await cast.world.application().test(.router) { client -> String in
            var cells: [String] = []
            for operation in Operation.allCases {
                let id = try #require(prepared[operation]).id
                let path = "/image/v2/images/\(id)"
                let response: TestResponse
                switch operation {
                case .show: response = try await client.send(.get, path, as: credential)
                case .download: response = try await client.send(.get, path + "/file", as: credential)
                case .list:
                    response = try await client.send(.get, "/image/v2/images", as: credential)
                    #expect(response.status == .ok)
                    cells.append(listedIDs(response).contains(id.rawValue) ? "Y" : "-")
                    continue
                case .update:
                    response = try await client.send(.patch, path, as: credential, headers: [.contentType: patchMediaType], json: #"[{"op": "replace", "path": "/name", "value": "changed"}]"#)
                case .delete: response = try await client.send(.delete, path, as: credential)
                case .upload:
                    response = try await client.send(.put, path + "/file", as: credential, headers: [.contentType: "application/octet-stream"], bytes: Array("new data".utf8))
                case .addMember: response = try await client.send(.post, path + "/members", as: credential, json: #"{"member": "5005"}"#)
                case .removeMember: response = try await client.send(.delete, path + "/members/2002", as: credential)
                case .listMembers: response = try await client.send(.get, path + "/members", as: credential)
                case .setStatus: response = try await client.send(.put, path + "/members/2002", as: credential, json: #"{"status": "accepted"}"#)
                case .exportCheck: response = try await client.send(.get, path + "/export-check", as: credential)
                }
                cells.append(String(response.status.code))
            }
            return cells.joined(separator: " ")
        }
        // Then every cell is the expected status
        let expected = try #require(Self.matrix[caller]?[visibility])
        #expect(actual == expected, "columns: \(Operation.allCases.map(\.rawValue).joined(separator: " "))")
    }

    // MARK: Support staff

    @Test func support_everyUnsafeRequest_answers403_andChangesNothing() async throws {
        // Given images, a member, a server, a container and an object
        let cast = try await Cast()
        let image = try await cast.image("untouchable")
        try await cast.share(image, with: cast.consumer)
        let queued = try await cast.world.queuedImage(by: cast.owner)
        let bootable = try await cast.world.activeImage(by: cast.consumer, name: "consumer's")
        let server = try await cast.world.useCases.compute.boot(name: "vm", imageRef: bootable.id.rawValue, by: cast.consumer.actor)
        let consumerID = try #require(cast.consumer.tenant)
        _ = try await cast.world.createContainer("c", for: consumerID)
        _ = try await cast.world.putObject(
            [ByteBuffer(string: "object")].async, container: "c", name: "o", contentType: "text/plain", expectedETag: nil, for: consumerID)
        let id = image.id.rawValue
        let requests: [(HTTPRequest.Method, String, HTTPFields, String?)] = [
            (.post, "/image/v2/images", [:], #"{"name": "x", "owner": "1001"}"#),
            (.patch, "/image/v2/images/\(id)", [.contentType: patchMediaType], #"[{"op": "replace", "path": "/name", "value": "x"}]"#),
            (.delete, "/image/v2/images/\(id)", [:], nil),
            (.put, "/image/v2/images/\(queued.id)/file", [.contentType: "application/octet-stream"], "data"),
            (.post, "/image/v2/images/\(id)/actions/deactivate", [:], nil),
            (.post, "/image/v2/images/\(id)/actions/reactivate", [:], nil),
            (.put, "/image/v2/images/\(id)/tags/x", [:], nil),
            (.delete, "/image/v2/images/\(id)/tags/x", [:], nil),
            (.post, "/image/v2/images/\(id)/members", [:], #"{"member": "2003"}"#),
            (.put, "/image/v2/images/\(id)/members/2002", [:], #"{"status": "accepted"}"#),
            (.delete, "/image/v2/images/\(id)/members/2002", [:], nil),
            (.post, "/image/v2/tasks", [:], #"{"type": "export", "input": {"image_uuid": "\#(id)", "receiving_swift_container": "c"}}"#),
            (.post, "/image/v2/tasks", [:], #"{"type": "import", "input": {"import_from": "c/o", "import_from_format": "raw"}}"#),
            (.post, "/compute/v2.1/servers", [:], #"{"server": {"name": "x", "imageRef": "\#(id)"}}"#),
            (.delete, "/compute/v2.1/servers/\(server.id)", [:], nil),
            (.post, "/compute/v2.1/servers/\(server.id)/action", [:], #"{"createImage": {"name": "x"}}"#),
            (.put, "/object/v1/AUTH_2002/new", [:], nil),
            (.put, "/object/v1/AUTH_2002/c/p", [:], "data"),
            (.delete, "/object/v1/AUTH_2002/c/o", [:], nil),
            (.delete, "/object/v1/AUTH_2002/c", [:], nil),
            (.post, "/image/v1/images", [.meta("name"): "x", .meta("owner"): "1001"], nil),
            (.put, "/image/v1/images/\(id)", [.meta("name"): "x"], nil),
            (.delete, "/image/v1/images/\(id)", [:], nil),
            (.put, "/image/v1/images/\(id)/members/2003", [:], nil),
            (.delete, "/image/v1/images/\(id)/members/2002", [:], nil),
            (.put, "/image/v1/images/\(id)/members", [:], #"{"memberships": []}"#),
        ]
        try await cast.world.application().test(.router) { client async throws in
            // When support tries each unsafe request
            for (method, path, headers, body) in requests {
                let response = try await client.send(method, path, as: cast.support, headers: headers, json: body)
                // Then each is refused with 403
                #expect(response.status == .forbidden, "\(method) \(path) → \(response.status): \(response.text)")
            }
            // And support still reads
            #expect(try await client.send(.get, "/image/v2/images/\(id)", as: cast.support).status == .ok)
            #expect(try await client.send(.get, "/image/v2/images/\(id)/members", as: cast.support).status == .ok)
            #expect(try await client.send(.get, "/compute/v2.1/servers/\(server.id)", as: cast.support).status == .ok)
        }
        // Nothing changed
        let after = try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image
        #expect(after == image)
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v2).map(\.status) == [.pending])
        #expect(try await cast.useCases.catalog.show(queued.id, for: cast.owner.principal).image.status == .queued)
        #expect(try await cast.world.useCases.compute.servers(for: cast.consumer.principal).map(\.id) == [server.id])
        #expect(try await cast.world.listObjects("c", of: consumerID, ObjectListing()).count == 1)
        #expect(try await cast.world.useCases.tasks.list(TaskQuery(), for: cast.support.principal).tasks.isEmpty)
    }

    @Test(arguments: [false, true])
    func support_downloads_onlyWhenTheOperatorAllows(_ allowed: Bool) async throws {
        let cast = try await Cast(settings: CoreSettings.testing(access: AccessSettings(supportMayDownload: allowed)))
        let image = try await cast.image(data: Array("support reads this?".utf8))
        try await cast.world.application().test(.router) { client async throws in
            let v2 = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.support)
            let v1 = try await client.send(.get, "/image/v1/images/\(image.id)", as: cast.support)
            if allowed {
                #expect(v2.status == .ok)
                #expect(v2.text == "support reads this?")
                #expect(v1.status == .ok)
                #expect(v1.text == "support reads this?")
            } else {
                #expect(v2.status == .forbidden)
                #expect(v1.status == .forbidden)
                #expect(!v2.text.contains("support reads this?"))
            }
            // Metadata is always readable
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.support).status == .ok)
            #expect(try await client.send(.head, "/image/v1/images/\(image.id)", as: cast.support).status == .ok)
        }
    }

    @Test func rejectedMembersLoseAccess_whenTheOperatorSaysSo() async throws {
        let cast = try await Cast(settings: CoreSettings.testing(access: AccessSettings(rejectedMembersLoseAccess: true)))
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer, status: .rejected)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.consumer).status == .notFound)
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.consumer).status == .notFound)
            #expect(listedIDs(try await client.send(.get, "/image/v2/images?member_status=all", as: cast.consumer)).isEmpty)
            // The member may still take its answer back
            #expect(try await client.send(.put, "/image/v2/images/\(image.id)/members/2002", as: cast.consumer, json: #"{"status": "pending"}"#).status == .ok)
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.consumer).status == .ok)
        }
    }
}
