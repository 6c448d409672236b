import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCrypto
import PortalCore
import PortalDomain
import PortalStorage
import Testing
import TestSupport

/// Glance v1 over the same records: headers, data, lists and memberships (seed 003).
@Suite("Glance v1 API")
struct V1APITests {
    static let createHeaders: HTTPFields = [
        .meta("name"): "legacy", .meta("disk_format"): "raw", .meta("container_format"): "bare",
        HTTPField.Name("X-Image-Meta-Property-OS-Distro") ?? .meta("x"): "ubuntu",
        HTTPField.Name("x-image-meta-property-Hw.Disk-Bus") ?? .meta("x"): "virtio",
    ]

    @Test func create_withoutData_answers201WithTheImage_andNormalisedProperties() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, "/image/v1/images", as: cast.owner, headers: Self.createHeaders)
            #expect(response.status == .created)
            let image = try #require(response.json?["image"])
            let id = try #require(image["id"]?.string)
            #expect(response.headers[.location] == "http://localhost/image/v1/images/\(id)")
            #expect(image["name"] == .string("legacy"))
            #expect(image["status"] == .string("queued"))
            #expect(image["is_public"] == .bool(false))
            #expect(image["properties"]?["os_distro"] == .string("ubuntu"))
            #expect(image["properties"]?["hw_disk_bus"] == .string("virtio"))
            // The same record through v2: shared (the v2 default), with the properties
            let v2 = try await client.send(.get, "/image/v2/images/\(id)", as: cast.owner)
            #expect(v2.json?["visibility"] == .string("shared"))
            #expect(v2.json?["os_distro"] == .string("ubuntu"))
            #expect(v2.json?["hw_disk_bus"] == .string("virtio"))
        }
    }

    @Test func create_percentEncodedHeaders_asPythonGlanceclientSendsThem_areDecoded() async throws {
        // python-glanceclient's v1 client percent-encodes every x-image-meta-* value, and sends
        // is_public=None when the flag was not given.
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            var headers: HTTPFields = [:]
            headers[.meta("name")] = "Ubuntu%2010.10"
            headers[.meta("disk_format")] = "raw"
            headers[.meta("container_format")] = "bare"
            headers[.meta("is_public")] = "None"
            headers[.meta("property-os_distro")] = "ubuntu%20lts"
            headers[.meta("property-note")] = "50%25%20done%3A%20%C3%BC"
            headers[.meta("property-raw")] = "100%"  // not percent-encoding: kept as sent
            let response = try await client.send(.post, "/image/v1/images", as: cast.owner, headers: headers)
            #expect(response.status == .created, "\(response.text)")
            let id = try #require(response.json?["image"]?["id"]?.string)
            let image = try await client.send(.get, "/image/v2/images/\(id)", as: cast.owner).json
            #expect(image?["name"] == .string("Ubuntu 10.10"))
            #expect(image?["os_distro"] == .string("ubuntu lts"))
            #expect(image?["note"] == .string("50% done: ü"))
            #expect(image?["raw"] == .string("100%"))
            #expect(image?["visibility"] == .string("shared"))
            // HEAD gives the values back as they were meant, for the v1 client to read
            let head = try await client.send(.head, "/image/v1/images/\(id)", as: cast.owner)
            #expect(head.headers[.meta("name")] == "Ubuntu 10.10")
            // And an update decodes the same way
            let update = try await client.send(.put, "/image/v1/images/\(id)", as: cast.owner, headers: [.meta("name"): "Ubuntu%2012.04"])
            #expect(update.json?["image"]?["name"] == .string("Ubuntu 12.04"))
        }
    }

    @Test func create_withData_answers201ActiveWithFacts() async throws {
        let cast = try await Cast()
        let bytes = sampleBytes(200_000)
        try await cast.world.application().test(.router) { client async throws in
            var headers = Self.createHeaders
            headers[.contentType] = "application/octet-stream"
            headers[.meta("size")] = String(bytes.count)
            headers[.meta("checksum")] = ByteEncoding.hex(Digest.hash(.md5, bytes))
            let response = try await client.send(.post, "/image/v1/images", as: cast.owner, headers: headers, bytes: bytes)
            #expect(response.status == .created, "\(response.text)")
            let image = try #require(response.json?["image"])
            #expect(image["status"] == .string("active"))
            #expect(image["size"] == .int(Int64(bytes.count)))
            #expect(image["checksum"] == .string(ByteEncoding.hex(Digest.hash(.md5, bytes))))
            let id = try #require(image["id"]?.string)
            #expect(try await client.send(.get, "/image/v2/images/\(id)/file", as: cast.owner).bytes == bytes)
        }
    }

    @Test(arguments: [("size", "5"), ("checksum", "0123456789abcdef0123456789abcdef")])
    func create_declaredFactsMismatch_answers400AndCreatesNothing(_ field: String, _ value: String) async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            var headers = Self.createHeaders
            headers[.meta(field)] = value
            let response = try await client.send(.post, "/image/v1/images", as: cast.owner, headers: headers, bytes: sampleBytes(1000))
            #expect(response.status == .badRequest)
            #expect(listedIDs(try await client.send(.get, "/image/v2/images", as: cast.owner)).isEmpty)
            #expect(try await client.send(.get, "/image/v1/images/detail", as: cast.owner).json?["images"]?.array?.isEmpty == true)
        }
        #expect(try await cast.world.blobInventory() == StoreInventory())
    }

    @Test(arguments: [(HTTPField.Name.meta("status"), "active", 403), (.meta("location"), "http://x", 400), (.meta("disk_format"), "exe", 400), (.meta("is_public"), "true", 403), (.meta("is_public"), "perhaps", 400), (.meta("min_ram"), "-1", 400), (.meta("property-os_glance_x"), "1", 403)])
    func create_refusedHeaders(_ name: HTTPField.Name, _ value: String, _ status: Int) async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            var headers = Self.createHeaders
            headers[name] = value
            #expect(try await client.send(.post, "/image/v1/images", as: cast.owner, headers: headers).status.code == status)
        }
    }

    @Test func create_public_byAdmin() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            var headers = Self.createHeaders
            headers[.meta("is_public")] = "True"
            let response = try await client.send(.post, "/image/v1/images", as: cast.ownerAdmin, headers: headers)
            #expect(response.status == .created)
            #expect(response.json?["image"]?["is_public"] == .bool(true))
        }
    }

    @Test func create_isPublicFalse_givesShared_andAcceptedSharesAreListed() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            var headers = Self.createHeaders
            headers[.meta("is_public")] = "false"
            let created = try await client.send(.post, "/image/v1/images", as: cast.owner, headers: headers, bytes: Array("data".utf8))
            let id = try #require(created.json?["image"]?["id"]?.string)
            #expect(try await client.send(.get, "/image/v2/images/\(id)", as: cast.owner).json?["visibility"] == .string("shared"))
            #expect(try await client.send(.put, "/image/v1/images/\(id)/members/2002", as: cast.owner).status == .noContent)
            #expect(try await client.send(.get, "/image/v1/images", as: cast.consumer).json?["images"]?.array?.isEmpty == true)
            #expect(try await client.send(.put, "/image/v2/images/\(id)/members/2002", as: cast.consumer, json: #"{"status": "accepted"}"#).status == .ok)
            let listed = try await client.send(.get, "/image/v1/images", as: cast.consumer)
            #expect(listed.json?["images"]?[0]?["id"] == .string(id))
            #expect(try await client.send(.get, "/image/v1/images/\(id)", as: cast.consumer).text == "data")
        }
    }

    @Test func put_metadataWithMismatchedData_answers400AndKeepsNothing() async throws {
        // "Declared x-image-meta-size/-checksum that do not match: 400, nothing kept" — the metadata of
        // the same request included.
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner, name: "original")
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(
                .put, "/image/v1/images/\(image.id)", as: cast.owner,
                headers: [.contentType: "application/octet-stream", .meta("name"): "changed", .meta("size"): "3", .meta("property-extra"): "1"],
                bytes: Array("five!".utf8))
            #expect(response.status == .badRequest)
            let head = try await client.send(.head, "/image/v1/images/\(image.id)", as: cast.owner)
            #expect(head.headers[.meta("status")] == "queued")
            #expect(head.headers[.meta("name")] == "original")
            #expect(head.headers[.meta("property-extra")] == nil)
        }
    }

    @Test func put_dataOnActiveImage_answers409AndKeepsTheMetadata() async throws {
        let cast = try await Cast()
        let image = try await cast.image("original")
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(
                .put, "/image/v1/images/\(image.id)", as: cast.owner, headers: [.contentType: "application/octet-stream", .meta("name"): "changed"],
                bytes: Array("new data".utf8))
            #expect(response.status == .conflict)
            #expect(try await client.send(.head, "/image/v1/images/\(image.id)", as: cast.owner).headers[.meta("name")] == "original")
        }
    }

    @Test func head_andGet_carryTheMetadataHeaders() async throws {
        let cast = try await Cast()
        let bytes = sampleBytes(4321)
        let image = try await cast.image("v1 image", data: bytes, properties: ["os_distro": "debian"])
        try await cast.world.application().test(.router) { client async throws in
            let head = try await client.send(.head, "/image/v1/images/\(image.id)", as: cast.owner)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.meta("id")] == image.id.rawValue)
            #expect(head.headers[.meta("name")] == "v1 image")
            #expect(head.headers[.meta("size")] == "4321")
            #expect(head.headers[.meta("status")] == "active")
            #expect(head.headers[.meta("is_public")] == "False")
            #expect(head.headers[.meta("owner")] == "1001")
            #expect(head.headers[.meta("checksum")] == image.checksum)
            #expect(head.headers[.meta("property-os_distro")] == "debian")
            #expect(head.headers[.eTag] == image.checksum)
            let get = try await client.send(.get, "/image/v1/images/\(image.id)", as: cast.owner)
            #expect(get.status == .ok)
            #expect(get.bytes == bytes)
            #expect(get.headers[.contentLength] == "4321")
            #expect(get.headers[.eTag] == image.checksum)
            #expect(get.headers[.contentType] == "application/octet-stream")
            #expect(get.headers[.meta("name")] == "v1 image")
        }
    }

    @Test func get_queuedImage_answersMetadataWithoutData() async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner, name: "empty")
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.get, "/image/v1/images/\(image.id)", as: cast.owner)
            #expect(response.status == .ok)
            #expect(response.headers[.meta("status")] == "queued")
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test func put_updatesMetadata_andPurgesUnnamedProperties() async throws {
        let cast = try await Cast()
        let image = try await cast.image("before", properties: ["keep": "1", "drop": "2"])
        try await cast.world.application().test(.router) { client async throws in
            let renamed = try await client.send(
                .put, "/image/v1/images/\(image.id)", as: cast.owner, headers: [.meta("name"): "after", .meta("property-added"): "3", .meta("min_ram"): "512"])
            #expect(renamed.status == .ok)
            #expect(renamed.json?["image"]?["name"] == .string("after"))
            #expect(renamed.json?["image"]?["min_ram"] == .int(512))
            #expect(renamed.json?["image"]?["properties"] == .object(["keep": .string("1"), "drop": .string("2"), "added": .string("3")]))
            let purged = try await client.send(.put, "/image/v1/images/\(image.id)", as: cast.owner, headers: [.meta("property-keep"): "1", .purgeProps: "true"])
            #expect(purged.status == .ok)
            #expect(purged.json?["image"]?["properties"] == .object(["keep": .string("1")]))
            // Staff support and members may not change it
            #expect(try await client.send(.put, "/image/v1/images/\(image.id)", as: cast.support, headers: [.meta("name"): "x"]).status == .forbidden)
        }
    }

    @Test func put_dataOnQueuedImage_thenConflict() async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        try await cast.world.application().test(.router) { client async throws in
            let first = try await client.send(.put, "/image/v1/images/\(image.id)", as: cast.owner, headers: [.contentType: "application/octet-stream"], bytes: Array("v1 data".utf8))
            #expect(first.status == .ok)
            #expect(first.json?["image"]?["status"] == .string("active"))
            #expect(first.json?["image"]?["size"] == .int(7))
            let second = try await client.send(.put, "/image/v1/images/\(image.id)", as: cast.owner, headers: [.contentType: "application/octet-stream"], bytes: Array("other".utf8))
            #expect(second.status == .conflict)
            #expect(try await client.send(.get, "/image/v1/images/\(image.id)", as: cast.owner).text == "v1 data")
        }
    }

    @Test func put_dataWithWrongDeclaredChecksum_answers400AndStaysQueued() async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(
                .put, "/image/v1/images/\(image.id)", as: cast.owner,
                headers: [.contentType: "application/octet-stream", .meta("checksum"): "0123456789abcdef0123456789abcdef"], bytes: Array("v1 data".utf8))
            #expect(response.status == .badRequest)
            #expect(try await client.send(.head, "/image/v1/images/\(image.id)", as: cast.owner).headers[.meta("status")] == "queued")
        }
    }

    @Test func delete_protected403_otherwise200() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        _ = try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { _ throws(DomainError) in [.protected(true)] }
        let other = try await cast.image("other")
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.delete, "/image/v1/images/\(image.id)", as: cast.owner).status == .forbidden)
            #expect(try await client.send(.delete, "/image/v1/images/\(other.id)", as: cast.owner).status == .ok)
            #expect(try await client.send(.head, "/image/v1/images/\(other.id)", as: cast.owner).status == .notFound)
        }
    }

    @Test func lists_briefAndDetail_withFiltersAndSorting() async throws {
        let cast = try await Cast()
        let alpha = try await cast.image("alpha", data: sampleBytes(10))
        let beta = try await cast.image("beta", data: sampleBytes(500), properties: ["os_distro": "ubuntu"])
        let queued = try await cast.world.queuedImage(by: cast.owner, name: "gamma", diskFormat: .qcow2)
        let shared = try await cast.image("shared-pending")
        try await cast.share(shared, with: cast.consumer)
        try await cast.world.application().test(.router) { client async throws in
            let brief = try await client.send(.get, "/image/v1/images", as: cast.owner)
            #expect(brief.status == .ok)
            let first = try #require(brief.json?["images"]?[0])
            #expect(Set(first.objectKeys) == ["id", "name", "disk_format", "container_format", "size", "checksum"])
            let detail = try await client.send(.get, "/image/v1/images/detail", as: cast.owner)
            #expect(detail.json?["images"]?[0]?["status"] != nil)
            #expect(detail.json?["images"]?[0]?["properties"] != nil)
            func names(_ query: String, _ credential: Credential? = nil) async throws -> [String] {
                let response = try await client.send(.get, "/image/v1/images/detail?" + query, as: credential ?? cast.owner)
                #expect(response.status == .ok, "\(query)")
                return (response.json?["images"]?.array ?? []).compactMap { $0["name"]?.string }
            }
            #expect(try await names("name=alpha") == ["alpha"])
            #expect(try await names("disk_format=qcow2") == ["gamma"])
            #expect(try await names("status=queued") == ["gamma"])
            #expect(try await names("size_min=100&sort_key=name&sort_dir=asc") == ["beta"])
            #expect(try await names("size_max=20&sort_key=name&sort_dir=asc") == ["alpha", "shared-pending"])
            #expect(try await names("property-os_distro=ubuntu") == ["beta"])
            #expect(try await names("sort_key=name&sort_dir=asc") == ["alpha", "beta", "gamma", "shared-pending"])
            #expect(try await names("sort_key=name&sort_dir=desc&limit=2") == ["shared-pending", "gamma"])
            #expect(try await names("sort_key=name&sort_dir=asc&marker=\(beta.id)") == ["gamma", "shared-pending"])
            // What a list holds follows the v2 rule: a pending share is not listed for the consumer
            #expect(try await names("", cast.consumer) == [])
            // is_public filters
            let base = try await cast.world.activeImage(by: cast.ownerAdmin, name: "public base", visibility: .public)
            #expect(try await names("is_public=true") == ["public base"])
            #expect(try await names("is_public=false&sort_key=name&sort_dir=asc") == ["alpha", "beta", "gamma", "shared-pending"])
            #expect(try await names("is_public=true", cast.stranger) == ["public base"])
            _ = base
            for bad in ["sort_key=bogus", "sort_dir=up", "limit=x", "is_public=perhaps", "size_min=-1", "sort_key=name&sort_key=size"] {
                #expect(try await client.send(.get, "/image/v1/images?" + bad, as: cast.owner).status == .badRequest, "\(bad)")
            }
            _ = (alpha, queued)
        }
    }

    // MARK: Members

    static func members(_ image: Image) -> String { "/image/v1/images/\(image.id)/members" }

    @Test func members_putGetDeleteAndReplace() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.put, Self.members(image) + "/2002", as: cast.owner).status == .noContent)
            #expect(try await client.send(.put, Self.members(image) + "/2003", as: cast.owner, json: #"{"member": {"can_share": true}}"#).status == .noContent)
            let list = try await client.send(.get, Self.members(image), as: cast.owner)
            #expect(list.json?["members"] == .array([
                .object(["member_id": .string("2002"), "can_share": .bool(false)]),
                .object(["member_id": .string("2003"), "can_share": .bool(true)]),
            ]))
            let one = try await client.send(.get, Self.members(image) + "/2003", as: cast.owner)
            #expect(one.json?["member"]?["can_share"] == .bool(true))
            // A v1 member is an ordinary v2 member, pending
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)/members/2002", as: cast.consumer).json?["status"] == .string("pending"))
            // A member sees only itself
            #expect(try await client.send(.get, Self.members(image), as: cast.consumer).json?["members"]?.array?.count == 1)
            #expect(try await client.send(.delete, Self.members(image) + "/2002", as: cast.owner).status == .noContent)
            #expect(try await client.send(.get, Self.members(image) + "/2002", as: cast.owner).status == .notFound)
            let replaced = try await client.send(
                .put, Self.members(image), as: cast.owner, json: #"{"memberships": [{"member_id": "2004"}, {"member_id": "2003", "can_share": false}]}"#)
            #expect(replaced.status == .noContent)
            let after = try await client.send(.get, Self.members(image), as: cast.owner)
            #expect(Set((after.json?["members"]?.array ?? []).compactMap { $0["member_id"]?.string }) == ["2003", "2004"])
            for body in [#"{"memberships": "x"}"#, #"{"memberships": [{"can_share": true}]}"#, #"{"memberships": [{"member_id": "abc"}]}"#, #"{"memberships": [{"member_id": "1001"}]}"#] {
                #expect(try await client.send(.put, Self.members(image), as: cast.owner, json: body).status == .badRequest, "\(body)")
            }
            #expect(try await client.send(.put, Self.members(image) + "/2005", as: cast.owner, json: #"{"member": {"can_share": "yes"}}"#).status == .badRequest)
            #expect(try await client.send(.put, Self.members(image) + "/abc", as: cast.owner).status == .badRequest)
        }
    }

    @Test func canShare_memberMayAddButNotRemoveNorGrantCanShare() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.put, Self.members(image) + "/2002", as: cast.owner, json: #"{"member": {"can_share": true}}"#).status == .noContent)
            // The can_share member adds a member
            #expect(try await client.send(.put, Self.members(image) + "/2003", as: cast.consumer).status == .noContent)
            // It may not remove one, grant can_share, change can_share, replace the list, or change the image
            #expect(try await client.send(.delete, Self.members(image) + "/2003", as: cast.consumer).status == .forbidden)
            #expect(try await client.send(.put, Self.members(image) + "/2004", as: cast.consumer, json: #"{"member": {"can_share": true}}"#).status == .forbidden)
            #expect(try await client.send(.put, Self.members(image) + "/2003", as: cast.consumer, json: #"{"member": {"can_share": true}}"#).status == .forbidden)
            #expect(try await client.send(.put, Self.members(image), as: cast.consumer, json: #"{"memberships": []}"#).status == .forbidden)
            #expect(try await client.send(.put, "/image/v1/images/\(image.id)", as: cast.consumer, headers: [.meta("name"): "mine"]).status == .forbidden)
            // A member without can_share may not add
            #expect(try await client.send(.put, Self.members(image) + "/2004", as: cast.otherConsumer).status == .forbidden)
            let owners = try await client.send(.get, Self.members(image), as: cast.owner)
            #expect(Set((owners.json?["members"]?.array ?? []).compactMap { $0["member_id"]?.string }) == ["2002", "2003"])
        }
    }

    @Test func member_onPrivateImage_makesItShared_andTheAuditSaysSo() async throws {
        let cast = try await Cast()
        let image = try await cast.image(visibility: .private)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.put, Self.members(image) + "/2002", as: cast.owner).status == .noContent)
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.owner).json?["visibility"] == .string("shared"))
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.consumer).status == .ok)
            let events = try await client.send(.get, "/audit/v1/events?image=\(image.id)&type=image.updated", as: cast.owner)
            let event = try #require(events.json?["events"]?[0])
            // The audit API carries before and after as JSON objects with typed values.
            #expect(event["before"] == .object(["visibility": .string("private")]))
            #expect(event["after"] == .object(["visibility": .string("shared")]))
            #expect(event["detail"]?.string?.contains("private") == true)
        }
    }

    @Test func sharedImages_forTheTenantItselfOrStaff() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.put, Self.members(image) + "/2002", as: cast.owner, json: #"{"member": {"can_share": true}}"#).status == .noContent)
            let own = try await client.send(.get, "/image/v1/shared-images/2002", as: cast.consumer)
            #expect(own.status == .ok)
            #expect(own.json?["shared_images"] == .array([.object(["image_id": .string(image.id.rawValue), "can_share": .bool(true)])]))
            #expect(try await client.send(.get, "/image/v1/shared-images/2002", as: cast.support).status == .ok)
            #expect(try await client.send(.get, "/image/v1/shared-images/2002", as: cast.stranger).status == .forbidden)
            #expect(try await client.send(.get, "/image/v1/shared-images/nope", as: cast.consumer).status == .badRequest)
        }
    }

    @Test func v1_withoutToken_answers401_andInvisibleImages404() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.execute(uri: "/image/v1/images", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/image/v1/images/\(image.id)", method: .head).status == .unauthorized)
            for method: HTTPRequest.Method in [.head, .get, .delete] {
                #expect(try await client.send(method, "/image/v1/images/\(image.id)", as: cast.stranger).status == .notFound, "\(method)")
            }
            #expect(try await client.send(.put, "/image/v1/images/\(image.id)", as: cast.stranger, headers: [.meta("name"): "x"]).status == .notFound)
            #expect(try await client.send(.get, Self.members(image), as: cast.stranger).status == .notFound)
            #expect(try await client.send(.put, Self.members(image) + "/3003", as: cast.stranger).status == .notFound)
            #expect(try await client.send(.get, "/image/v1/images/\(ImageID.generate())", as: cast.owner).status == .notFound)
        }
    }
}

extension JSONValue {
    /// The keys of an object.
    var objectKeys: [String] {
        if case .object(let object) = self { return Array(object.keys) }
        return []
    }
}

