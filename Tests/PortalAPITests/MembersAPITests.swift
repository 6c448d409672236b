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

/// Glance v2 image members over HTTP, with the status codes PRODUCT.md's compatibility facts list.
@Suite("Members API")
struct MembersAPITests {
    static func members(_ image: Image) -> String { "/image/v2/images/\(image.id)/members" }

    @Test func add_answers200WithThePendingMember() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2002"}"#)
            #expect(response.status == .ok)
            let body = try #require(response.json)
            #expect(body["member_id"] == .string("2002"))
            #expect(body["image_id"] == .string(image.id.rawValue))
            #expect(body["status"] == .string("pending"))
            #expect(body["schema"] == .string("/v2/schemas/member"))
            #expect(body["created_at"]?.string != nil)
            // Twice: 409
            #expect(try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2002"}"#).status == .conflict)
            // A well-formed DDI without an account: the same answer as one with an account
            let ghost = try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "987654321"}"#)
            #expect(ghost.status == .ok)
            #expect(ghost.json?["status"] == .string("pending"))
        }
    }

    @Test func add_overQuota_answers413() async throws {
        let cast = try await Cast(settings: CoreSettings.testing(memberQuota: 2))
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2002"}"#).status == .ok)
            #expect(try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2003"}"#).status == .ok)
            let over = try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2004"}"#)
            #expect(over.status == .contentTooLarge)
            #expect(over.errorMessage?.isEmpty == false)
        }
    }

    @Test(arguments: [Visibility.private, .public, .community])
    func add_onNonSharedImage_answers403(_ visibility: Visibility) async throws {
        let cast = try await Cast()
        let image = try await cast.image(visibility: visibility)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2002"}"#).status == .forbidden)
            // Listing members of a non-shared image: 403 too
            #expect(try await client.send(.get, Self.members(image), as: cast.owner).status == .forbidden)
        }
    }

    @Test(arguments: [#"{"member": "1001"}"#, #"{"member": "abc"}"#, #"{"member": "12345678901234567"}"#, #"{"member": ""}"#, #"{"member": 2002}"#, #"{"tenant": "2002"}"#, "[]", "{", ""])
    func add_malformedOrOwnDDI_answers400(_ body: String) async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, Self.members(image), as: cast.owner, json: body)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.isEmpty == false)
            #expect(try await client.send(.get, Self.members(image), as: cast.owner).json?["members"]?.array?.isEmpty == true)
        }
    }

    @Test func add_byNonOwners_answers403Or404() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer, status: .accepted)
        try await cast.world.application().test(.router) { client async throws in
            // A member adding members: 403; an invisible image: 404; support: 403
            #expect(try await client.send(.post, Self.members(image), as: cast.consumer, json: #"{"member": "2003"}"#).status == .forbidden)
            #expect(try await client.send(.post, Self.members(image), as: cast.stranger, json: #"{"member": "2003"}"#).status == .notFound)
            #expect(try await client.send(.post, "/image/v2/images/\(ImageID.generate())/members", as: cast.owner, json: #"{"member": "2003"}"#).status == .notFound)
            #expect(try await client.send(.post, Self.members(image), as: cast.support, json: #"{"member": "2003"}"#).status == .forbidden)
        }
    }

    @Test func list_ownerSeesAll_memberSeesItself_othersGet404() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer, status: .accepted)
        try await cast.share(image, with: cast.otherConsumer, status: .rejected)
        try await cast.world.application().test(.router) { client async throws in
            func memberIDs(_ credential: Credential) async throws -> [String]? {
                let response = try await client.send(.get, Self.members(image), as: credential)
                guard response.status == .ok else { return nil }
                #expect(response.json?["schema"] == .string("/v2/schemas/members"))
                return response.json?["members"]?.array?.compactMap { $0["member_id"]?.string }
            }
            #expect(try await memberIDs(cast.owner) == ["2002", "2003"])
            #expect(try await memberIDs(cast.support) == ["2002", "2003"])
            #expect(try await memberIDs(cast.consumer) == ["2002"])
            #expect(try await memberIDs(cast.otherConsumer) == ["2003"])
            #expect(try await client.send(.get, Self.members(image), as: cast.stranger).status == .notFound)
        }
    }

    @Test func show_memberRecord_byOwnerItselfOrOthers() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer)
        try await cast.share(image, with: cast.otherConsumer)
        try await cast.world.application().test(.router) { client async throws in
            let path = Self.members(image) + "/2002"
            #expect(try await client.send(.get, path, as: cast.owner).json?["status"] == .string("pending"))
            #expect(try await client.send(.get, path, as: cast.consumer).status == .ok)
            // Another member's record, a stranger, an unknown member: 404
            #expect(try await client.send(.get, path, as: cast.otherConsumer).status == .notFound)
            #expect(try await client.send(.get, path, as: cast.stranger).status == .notFound)
            #expect(try await client.send(.get, Self.members(image) + "/3003", as: cast.owner).status == .notFound)
            #expect(try await client.send(.get, Self.members(image) + "/not-a-ddi", as: cast.owner).status == .notFound)
        }
    }

    @Test func update_byTheMember_anyStatusAnyNumberOfTimes() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer)
        try await cast.world.application().test(.router) { client async throws in
            let path = Self.members(image) + "/2002"
            for status in ["accepted", "rejected", "pending", "accepted"] {
                let response = try await client.send(.put, path, as: cast.consumer, json: #"{"status": "\#(status)"}"#)
                #expect(response.status == .ok)
                #expect(response.json?["status"] == .string(status))
            }
            // Accepted: the image is now in the consumer's default list
            #expect(listedIDs(try await client.send(.get, "/image/v2/images", as: cast.consumer)) == [image.id.rawValue])
        }
    }

    @Test func update_refusals() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer)
        try await cast.share(image, with: cast.otherConsumer)
        try await cast.world.application().test(.router) { client async throws in
            let path = Self.members(image) + "/2002"
            let accept = #"{"status": "accepted"}"#
            // The owner may not answer for the member: 403
            #expect(try await client.send(.put, path, as: cast.owner, json: accept).status == .forbidden)
            #expect(try await client.send(.put, path, as: cast.staffAdmin, json: accept).status == .forbidden)
            #expect(try await client.send(.put, path, as: cast.support, json: accept).status == .forbidden)
            // Another member or a stranger: 404
            #expect(try await client.send(.put, path, as: cast.otherConsumer, json: accept).status == .notFound)
            #expect(try await client.send(.put, path, as: cast.stranger, json: accept).status == .notFound)
            #expect(try await client.send(.put, Self.members(image) + "/3003", as: cast.stranger, json: accept).status == .notFound)
            // Bad statuses and bodies: 400
            for body in [#"{"status": "maybe"}"#, #"{"status": 1}"#, #"{"state": "accepted"}"#, "[]", "{"] {
                #expect(try await client.send(.put, path, as: cast.consumer, json: body).status == .badRequest, "\(body)")
            }
            #expect(try await client.send(.get, path, as: cast.owner).json?["status"] == .string("pending"))
        }
    }

    @Test func update_ownStatusOnAnImageMadePrivate_answers404() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer, status: .accepted)
        try await cast.setVisibility(image, .private)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.consumer).status == .notFound)
            #expect(try await client.send(.put, Self.members(image) + "/2002", as: cast.consumer, json: #"{"status": "rejected"}"#).status == .notFound)
        }
        try await cast.setVisibility(image, .shared)
        try await cast.world.application().test(.router) { client async throws in
            let record = try await client.send(.get, Self.members(image) + "/2002", as: cast.consumer)
            #expect(record.json?["status"] == .string("accepted"))
        }
    }

    @Test func delete_byOwner204_byMember403_andAccessEnds() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer, status: .accepted)
        try await cast.world.application().test(.router) { client async throws in
            let path = Self.members(image) + "/2002"
            #expect(try await client.send(.delete, path, as: cast.consumer).status == .forbidden)
            #expect(try await client.send(.delete, path, as: cast.stranger).status == .notFound)
            #expect(try await client.send(.delete, path, as: cast.support).status == .forbidden)
            #expect(try await client.send(.delete, path, as: cast.owner).status == .noContent)
            #expect(try await client.send(.delete, path, as: cast.owner).status == .notFound)
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.consumer).status == .notFound)
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.consumer).status == .notFound)
            // Re-adding starts at pending
            #expect(try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2002"}"#).json?["status"] == .string("pending"))
        }
    }

    @Test func delete_onNonSharedImage_answers403() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer)
        try await cast.setVisibility(image, .private)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.delete, Self.members(image) + "/2002", as: cast.owner).status == .forbidden)
        }
    }

    @Test func memberChanges_areAudited_withTheRequestID() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            let added = try await client.send(.post, Self.members(image), as: cast.owner, json: #"{"member": "2002"}"#)
            let answered = try await client.send(.put, Self.members(image) + "/2002", as: cast.consumer, json: #"{"status": "accepted"}"#)
            var query = AuditQuery()
            query.imageID = image.id
            let events = try await cast.world.useCases.audit.events(query, for: cast.staffAdmin.principal).events.reversed().filter { $0.type.rawValue.hasPrefix("member.") }
            #expect(events.map(\.requestID) == [added.headers[.xOpenstackRequestID] ?? "-", answered.headers[.xOpenstackRequestID] ?? "-"])
            #expect(events.map(\.tokenID) == [cast.owner.tokenID, cast.consumer.tokenID])
        }
    }
}
