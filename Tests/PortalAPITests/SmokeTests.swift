import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalCore
import PortalDomain
import Testing
import TestSupport

@Suite("API smoke")
struct APISmokeTests {
    @Test func versions_withoutToken_answer300() async throws {
        let world = try await TestWorld()
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/image", method: .get) { response in
                #expect(response.status == .multipleChoices)
                #expect(String(buffer: response.body).contains("v2.7"))
            }
        }
    }

    @Test func listImages_withToken_answers200() async throws {
        let world = try await TestWorld()
        let tenant = try await world.tenant("1001")
        let owner = try await world.token(tenant)
        _ = try await world.activeImage(by: owner, name: "smoke")
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/image/v2/images", method: .get, headers: owner.headers) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"name\":\"smoke\""))
            }
        }
    }
}
