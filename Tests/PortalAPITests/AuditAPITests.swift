import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PortalCore
import PortalDomain
import Testing
import TestSupport

/// `GET /audit/v1/events`: before and after are JSON objects with typed values.
@Suite("Audit API")
struct AuditAPITests {
    static let patch: HTTPFields = [.contentType: "application/openstack-images-v2.1-json-patch"]

    @Test func imageChanges_carryTypedBeforeAndAfterObjects() async throws {
        // Given an image whose name, protection and minimum disk change in one PATCH
        let cast = try await Cast()
        let image = try await cast.image("before")
        try await cast.world.application().test(.router) { client in
            let change = #"[{"op": "replace", "path": "/name", "value": "after"}, {"op": "replace", "path": "/protected", "value": true}, {"op": "replace", "path": "/min_disk", "value": 20}]"#
            #expect(try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.owner, headers: Self.patch, json: change).status == .ok)
            // When the owner reads the audit trail of the image
            let events = try await client.send(.get, "/audit/v1/events?image=\(image.id)&type=image.updated", as: cast.owner)
            let event = try #require(events.json?["events"]?[0])
            // Then before and after are objects holding only the changed fields, each with its JSON type
            #expect(event["before"] == .object(["name": .string("before"), "protected": .bool(false), "min_disk": .int(0)]))
            #expect(event["after"] == .object(["name": .string("after"), "protected": .bool(true), "min_disk": .int(20)]))
        }
    }

    @Test func memberEvents_carryTheStatusAsAString_andCreationHasNoBefore() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer, status: .accepted)
        try await cast.world.application().test(.router) { client in
            let created = try await client.send(.get, "/audit/v1/events?image=\(image.id)&type=member.created", as: cast.owner).json?["events"]?[0]
            #expect(created?["before"] == .null)
            #expect(created?["after"] == .object(["status": .string("pending")]))
            let updated = try await client.send(.get, "/audit/v1/events?image=\(image.id)&type=member.updated", as: cast.consumer).json?["events"]?[0]
            #expect(updated?["before"] == .object(["status": .string("pending")]))
            #expect(updated?["after"] == .object(["status": .string("accepted")]))
        }
    }
}
