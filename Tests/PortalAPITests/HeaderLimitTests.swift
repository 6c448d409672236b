import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import Testing
import TestSupport

/// A live server on a free port: oversized headers are refused, and the server keeps serving.
@Suite("Header limits (live server)")
struct HeaderLimitTests {
    @Test(arguments: [100_000, 40_000])
    func oversizedHeader_gets4xx_andTheNextRequestWorks(_ size: Int) async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        try await world.application().test(.live) { client async throws in
            let port = try #require(client.port)
            // When a request carries one huge header
            let huge = HTTPField.Name("X-Huge") ?? .accept
            do {
                let response = try await client.execute(uri: "/image/v2/images", method: .get, headers: owner.headers + [huge: String(repeating: "a", count: size)])
                // Then the server answers with a client error
                #expect((400..<500).contains(response.status.code), "got \(response.status)")
            } catch {
                Issue.record("No HTTP response to a \(size)-byte header (the connection was dropped): \(error)")
            }
            // And the server still answers, on a new connection
            let fresh = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(10)))
            fresh.connect()
            let response = try await fresh.execute(TestClient.Request("/image/v2/images", method: .get, authority: "localhost", headers: owner.headers))
            #expect(response.status == .ok)
            let versions = try await fresh.execute(TestClient.Request("/image", method: .get, authority: "localhost"))
            #expect(versions.status == .multipleChoices)
            try await fresh.shutdown()
        }
    }

    @Test func normalSizedHeaders_areServed() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        try await world.application().test(.live) { client async throws in
            let response = try await client.execute(
                uri: "/image/v2/images", method: .get, headers: owner.headers + [HTTPField.Name("X-Padding") ?? .accept: String(repeating: "b", count: 8_000)])
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("X-Openstack-Request-Id") ?? .accept]?.hasPrefix("req-") == true)
        }
    }
}
