import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PortalCore
import PortalDomain
@testable import PortalWeb
import Testing
import TestSupport

/// The portal's activity page and CSV show audit before/after values with their types, as the
/// audit API does: no JSON strings of stringified values.
@Suite("Activity shows typed audit fields")
struct ActivityTypedFieldsTests {
    @Test func activityPageAndCSV_showTypedChanges() async throws {
        // Given an image the owner protects and renames
        let cast = try await PortalCast()
        let image = try await cast.world.activeImage(by: cast.owner, name: "old")
        _ = try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { _ throws(DomainError) in [.name("new"), .protected(true)] }
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            #expect(try await browser.signIn(cast.owner).status == .seeOther)
            // When the owner reads its activity
            let page = try await browser.get(Paths.activity + "?type=image.updated")
            #expect(page.status == .ok)
            // Then the change reads as values, not as encoded JSON
            let text = HTML.text(of: page.text)
            #expect(text.contains("name: old → new"), "\(text)")
            #expect(text.contains("protected: false → true"), "\(text)")
            #expect(!page.text.contains("&quot;false&quot;"))
            // And the CSV carries the objects as JSON with typed values
            let csv = try await browser.get(Paths.activityCSV + "?type=image.updated")
            #expect(csv.status == .ok)
            #expect(csv.text.contains(#""{""name"":""old"",""protected"":false}""#), "\(csv.text)")
            #expect(csv.text.contains(#""{""name"":""new"",""protected"":true}""#), "\(csv.text)")
        }
    }
}
