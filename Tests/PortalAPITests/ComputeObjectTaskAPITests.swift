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

/// The compute subset, the object store, tasks and the audit trail over HTTP.
@Suite("Compute, objects, tasks and audit API")
struct ComputeObjectTaskAPITests {
    static func bootBody(_ imageRef: String, name: String = "vm") -> String {
        #"{"server": {"name": "\#(name)", "imageRef": "\#(imageRef)"}}"#
    }

    // MARK: Servers

    /// Which images a tenant may boot (rule 5: shared in any status; PRODUCT "Servers and snapshots").
    static let bootCases: [(String, Int)] = [
        ("own", 202), ("public", 202), ("community", 202), ("shared-pending", 202), ("shared-accepted", 202), ("shared-rejected", 202),
        ("private-of-another", 400), ("shared-not-member", 400), ("unknown", 400), ("malformed", 400), ("queued-own", 400),
    ]

    @Test(arguments: bootCases)
    func createServer_fromImage(_ kind: String, _ status: Int) async throws {
        let cast = try await Cast()
        let imageRef: String
        switch kind {
        case "own": imageRef = try await cast.world.activeImage(by: cast.consumer).id.rawValue
        case "queued-own": imageRef = try await cast.world.queuedImage(by: cast.consumer).id.rawValue
        case "public": imageRef = try await cast.image(visibility: .public).id.rawValue
        case "community": imageRef = try await cast.image(visibility: .community).id.rawValue
        case "shared-pending", "shared-accepted", "shared-rejected":
            let image = try await cast.image()
            try await cast.share(image, with: cast.consumer, status: try #require(MemberStatus(rawValue: String(kind.dropFirst("shared-".count)))))
            imageRef = image.id.rawValue
        case "private-of-another": imageRef = try await cast.image(visibility: .private).id.rawValue
        case "shared-not-member": imageRef = try await cast.image().id.rawValue
        case "unknown": imageRef = ImageID.generate().rawValue
        default: imageRef = "not-an-image"
        }
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, "/compute/v2.1/servers", as: cast.consumer, json: Self.bootBody(imageRef))
            #expect(response.status.code == status, "\(kind): \(response.text)")
            if status == 202 {
                let id = try #require(response.json?["server"]?["id"]?.string)
                #expect(response.headers[.location] == "/compute/v2.1/servers/\(id)")
            } else if kind != "queued-own" {
                // Invisible images are "not found" (400 as Nova answers), never a 403 that leaks existence
                #expect(response.errorMessage?.contains("could not be found") == true)
            }
        }
    }

    @Test func servers_listDetailShowDelete() async throws {
        let cast = try await Cast()
        let image = try await cast.world.activeImage(by: cast.consumer, name: "boot me")
        try await cast.world.application().test(.router) { client async throws in
            let created = try await client.send(.post, "/compute/v2.1/servers", as: cast.consumer, json: Self.bootBody(image.id.rawValue, name: "web-1"))
            let id = try #require(created.json?["server"]?["id"]?.string)
            let list = try await client.send(.get, "/compute/v2.1/servers", as: cast.consumer)
            #expect(list.status == .ok)
            #expect(list.json?["servers"]?[0]?["id"] == .string(id))
            #expect(list.json?["servers"]?[0]?["name"] == .string("web-1"))
            let detail = try await client.send(.get, "/compute/v2.1/servers/detail", as: cast.consumer)
            #expect(detail.json?["servers"]?[0]?["image"]?["id"] == .string(image.id.rawValue))
            #expect(detail.json?["servers"]?[0]?["status"] == .string("ACTIVE"))
            let show = try await client.send(.get, "/compute/v2.1/servers/\(id)", as: cast.consumer)
            #expect(show.json?["server"]?["tenant_id"] == .string("2002"))
            // Another tenant's server does not exist for the caller
            #expect(try await client.send(.get, "/compute/v2.1/servers/\(id)", as: cast.stranger).status == .notFound)
            #expect(try await client.send(.delete, "/compute/v2.1/servers/\(id)", as: cast.stranger).status == .notFound)
            #expect(try await client.send(.get, "/compute/v2.1/servers", as: cast.stranger).json?["servers"]?.array?.isEmpty == true)
            #expect(try await client.send(.delete, "/compute/v2.1/servers/\(id)", as: cast.consumer).status == .noContent)
            #expect(try await client.send(.get, "/compute/v2.1/servers/\(id)", as: cast.consumer).status == .notFound)
            #expect(try await client.send(.get, "/compute/v2.1/servers", as: cast.consumer).json?["servers"]?.array?.isEmpty == true)
            #expect(try await client.send(.get, "/compute/v2.1/servers/not-a-uuid", as: cast.consumer).status == .notFound)
        }
    }

    @Test func createImage_answers202_andMakesAnActiveImageWithLineage() async throws {
        let cast = try await Cast()
        let base = try await cast.image("base", data: Array("base disk".utf8))
        try await cast.share(base, with: cast.consumer)
        try await cast.world.application().test(.router) { client async throws in
            let created = try await client.send(.post, "/compute/v2.1/servers", as: cast.consumer, json: Self.bootBody(base.id.rawValue))
            let serverID = try #require(created.json?["server"]?["id"]?.string)
            let snapshot = try await client.send(
                .post, "/compute/v2.1/servers/\(serverID)/action", as: cast.consumer, json: #"{"createImage": {"name": "snap", "metadata": {"purpose": "test"}}}"#)
            #expect(snapshot.status == .accepted)
            let imageID = try #require(snapshot.json?["image_id"]?.string)
            #expect(snapshot.headers[.location] == "/image/v2/images/\(imageID)")
            let image = try await client.send(.get, "/image/v2/images/\(imageID)", as: cast.consumer)
            #expect(image.json?["status"] == .string("active"))
            #expect(image.json?["owner"] == .string("2002"))
            #expect(image.json?["purpose"] == .string("test"))
            #expect(image.json?["base_image_ref"] == .string(base.id.rawValue))
            #expect(image.json?["checksum"] == .string(base.checksum ?? "-"))
            let lineage = try await client.send(.get, "/image/v2/images/\(imageID)/lineage", as: cast.consumer)
            #expect(lineage.json?["origin"]?["type"] == .string("snapshot"))
            #expect(lineage.json?["origin"]?["server_id"] == .string(serverID))
            #expect(lineage.json?["origin"]?["boot_image_id"] == .string(base.id.rawValue))
            #expect(lineage.json?["ancestors"]?[0]?["owner"] == .string("1001"))
            let check = try await client.send(.get, "/image/v2/images/\(imageID)/export-check", as: cast.consumer)
            #expect(check.json?["exportable"] == .bool(false))
            let failed = (check.json?["checks"]?.array ?? []).filter { $0["passed"] == .bool(false) }.compactMap { $0["check"]?.string }
            #expect(failed == ["not_shared_derived"])
            // Other actions and other tenants
            #expect(try await client.send(.post, "/compute/v2.1/servers/\(serverID)/action", as: cast.consumer, json: #"{"reboot": {}}"#).status == .badRequest)
            #expect(try await client.send(.post, "/compute/v2.1/servers/\(serverID)/action", as: cast.stranger, json: #"{"createImage": {"name": "x"}}"#).status == .notFound)
            #expect(try await client.send(.post, "/compute/v2.1/servers/\(serverID)/action", as: cast.consumer, json: #"{"createImage": {"name": "x", "metadata": {"os_glance_x": "1"}}}"#).status == .badRequest)
        }
    }

    @Test func lineageAndExportCheck_doNotRevealAncestorsTheCallerCannotSee() async throws {
        // Given a third party's image (3003) shared with the producer (1001), the producer's snapshot of it,
        // and that snapshot shared with a consumer (2002) who is no member of the third party's image
        let cast = try await Cast()
        let secret = try await cast.world.activeImage(by: cast.stranger, name: "third party secret", data: Array("licensed".utf8))
        _ = try await cast.useCases.sharing.addMember("1001", to: secret.id, by: cast.stranger.actor)
        _ = try await cast.useCases.sharing.answer(secret.id, member: "1001", status: "accepted", by: cast.owner.actor)
        let server = try await cast.world.useCases.compute.boot(name: "vm", imageRef: secret.id.rawValue, by: cast.owner.actor)
        let snapshot = try await cast.world.useCases.compute.snapshot(server.id, name: "producer's snapshot", metadata: [:], by: cast.owner.actor)
        try await cast.setVisibility(snapshot, .shared)
        try await cast.share(snapshot, with: cast.consumer, status: .accepted)
        try await cast.world.application().test(.router) { client async throws in
            // The producer, a member of the third party's image, sees the full lineage
            let own = try await client.send(.get, "/image/v2/images/\(snapshot.id)/lineage", as: cast.owner)
            #expect(own.text.contains(secret.id.rawValue))
            // The consumer cannot see the third party's image (404)...
            #expect(try await client.send(.get, "/image/v2/images/\(secret.id)", as: cast.consumer).status == .notFound)
            // ...so neither the lineage nor the export checklist of the snapshot may describe it: its name and
            // its owner's DDI stay hidden (existence must not leak). Its ID alone travels in the snapshot's
            // `base_image_ref` property, as Nova writes it, and is not asserted on here.
            let lineage = try await client.send(.get, "/image/v2/images/\(snapshot.id)/lineage", as: cast.consumer)
            #expect(lineage.status == .ok)
            #expect(!lineage.text.contains("third party secret"))
            #expect(!lineage.text.contains(#""owner":"3003""#))
            let check = try await client.send(.get, "/image/v2/images/\(snapshot.id)/export-check", as: cast.consumer)
            #expect(check.status == .ok)
            #expect(!check.text.contains("third party secret"))
            #expect(!check.text.contains("tenant 3003"))
        }
    }

    // MARK: Objects

    @Test func objects_anotherTenantsAccount_answers403() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            for (method, path) in [(HTTPRequest.Method.get, "/object/v1/AUTH_1001"), (.put, "/object/v1/AUTH_1001/c"), (.get, "/object/v1/AUTH_1001/c/o"), (.put, "/object/v1/AUTH_1001/c/o")] {
                #expect(try await client.send(method, path, as: cast.consumer).status == .forbidden, "\(method) \(path)")
            }
        }
    }

    @Test func objects_containersAndObjects_roundTrip() async throws {
        let cast = try await Cast()
        let account = "/object/v1/AUTH_2002"
        let bytes = sampleBytes(70_000)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.get, account, as: cast.consumer).status == .noContent)
            #expect(try await client.send(.put, account + "/images", as: cast.consumer).status == .created)
            #expect(try await client.send(.put, account + "/images", as: cast.consumer).status == .accepted)
            // PUT with the right ETag
            let md5 = ByteEncoding.hex(Digest.hash(.md5, bytes))
            let put = try await client.send(.put, account + "/images/disks/a.img", as: cast.consumer, headers: [.eTag: md5, .contentType: "application/x-raw"], bytes: bytes)
            #expect(put.status == .created)
            #expect(put.headers[.eTag] == md5)
            // A wrong ETag keeps nothing
            #expect(try await client.send(.put, account + "/images/bad.img", as: cast.consumer, headers: [.eTag: "0123456789abcdef0123456789abcdef"], bytes: bytes).status == .unprocessableContent)
            #expect(try await client.send(.head, account + "/images/bad.img", as: cast.consumer).status == .notFound)
            for name in ["disks/b.img", "disks/c.img", "notes.txt", "other/x"] {
                #expect(try await client.send(.put, account + "/images/" + name, as: cast.consumer, bytes: Array(name.utf8)).status == .created)
            }
            // GET, HEAD and Range
            let get = try await client.send(.get, account + "/images/disks/a.img", as: cast.consumer)
            #expect(get.status == .ok)
            #expect(get.bytes == bytes)
            #expect(get.headers[.eTag] == md5)
            #expect(get.headers[.contentType] == "application/x-raw")
            let head = try await client.send(.head, account + "/images/disks/a.img", as: cast.consumer)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == "70000")
            let range = try await client.send(.get, account + "/images/disks/a.img", as: cast.consumer, headers: [.range: "bytes=10-19"])
            #expect(range.status == .partialContent)
            #expect(range.bytes == Array(bytes[10...19]))
            #expect(range.headers[.contentRange] == "bytes 10-19/70000")
            #expect(try await client.send(.get, account + "/images/disks/a.img", as: cast.consumer, headers: [.range: "bytes=70000-"]).status == .rangeNotSatisfiable)
            // Listings
            func names(_ query: String) async throws -> [String] {
                let response = try await client.send(.get, account + "/images?format=json" + query, as: cast.consumer)
                #expect(response.status == .ok, "\(query)")
                return (response.json?.array ?? []).compactMap { $0["name"]?.string ?? $0["subdir"]?.string }
            }
            #expect(try await names("") == ["disks/a.img", "disks/b.img", "disks/c.img", "notes.txt", "other/x"])
            #expect(try await names("&prefix=disks/") == ["disks/a.img", "disks/b.img", "disks/c.img"])
            #expect(try await names("&delimiter=/") == ["disks/", "notes.txt", "other/"])
            #expect(try await names("&limit=2") == ["disks/a.img", "disks/b.img"])
            #expect(try await names("&marker=disks/b.img&limit=2") == ["disks/c.img", "notes.txt"])
            #expect(try await names("&prefix=disks/&delimiter=/&marker=disks/a.img") == ["disks/b.img", "disks/c.img"])
            let listed = try await client.send(.get, account + "/images?format=json&prefix=disks/a", as: cast.consumer)
            #expect(listed.json?[0]?["hash"] == .string(md5))
            #expect(listed.json?[0]?["bytes"] == .int(70_000))
            #expect(try await client.send(.get, account + "/images", as: cast.consumer).text.split(separator: "\n").count == 5)
            #expect(try await client.send(.get, account + "/images?limit=abc", as: cast.consumer).status == .badRequest)
            // A container with objects cannot be deleted; objects can
            #expect(try await client.send(.delete, account + "/images", as: cast.consumer).status == .conflict)
            #expect(try await client.send(.delete, account + "/images/disks/a.img", as: cast.consumer).status == .noContent)
            #expect(try await client.send(.get, account + "/images/disks/a.img", as: cast.consumer).status == .notFound)
            #expect(try await client.send(.delete, account + "/images/disks/a.img", as: cast.consumer).status == .notFound)
            for name in ["disks/b.img", "disks/c.img", "notes.txt", "other/x"] {
                #expect(try await client.send(.delete, account + "/images/" + name, as: cast.consumer).status == .noContent)
            }
            #expect(try await client.send(.delete, account + "/images", as: cast.consumer).status == .noContent)
            #expect(try await client.send(.get, account + "/images", as: cast.consumer).status == .notFound)
            #expect(try await client.send(.delete, account + "/images", as: cast.consumer).status == .notFound)
        }
    }

    @Test func objects_emptyObject_canBeReadBack() async throws {
        // Swift clients store zero-byte objects (directory markers). Reading one back must answer 200 with
        // an empty body. Run in a child process: a crash of the server must fail this test, not the run.
        await #expect(processExitsWith: .success) {
            let world = try await TestWorld()
            let owner = try await world.token(try await world.tenant("2002"))
            try await world.application().test(.router) { client async throws in
                _ = try await client.send(.put, "/object/v1/AUTH_2002/c", as: owner)
                let put = try await client.send(.put, "/object/v1/AUTH_2002/c/marker", as: owner, bytes: [])
                guard put.status == .created else { throw EmptyObjectFailure.unexpected("PUT \(put.status)") }
                let head = try await client.send(.head, "/object/v1/AUTH_2002/c/marker", as: owner)
                guard head.status == .ok, head.headers[.contentLength] == "0" else { throw EmptyObjectFailure.unexpected("HEAD \(head.status)") }
                let get = try await client.send(.get, "/object/v1/AUTH_2002/c/marker", as: owner)
                guard get.status == .ok, get.body.readableBytes == 0 else { throw EmptyObjectFailure.unexpected("GET \(get.status)") }
            }
        }
    }

    // MARK: Tasks

    /// Polls a task until it is finished: first through the API (the task runner is a service of the
    /// application), then, if it is still pending, by running the executor directly.
    static func finished(_ taskID: String, as credential: Credential, in world: TestWorld, client: some TestClientProtocol) async throws -> JSONValue {
        for attempt in 0..<200 {
            let task = try #require(try await client.send(.get, "/image/v2/tasks/\(taskID)", as: credential).json)
            if task["status"] == .string("success") || task["status"] == .string("failure") { return task }
            if attempt > 20 { _ = try await world.useCases.taskWorker.runNext() }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("task \(taskID) did not finish")
        return .null
    }

    @Test func tasks_importAndExport_runAndAreListed() async throws {
        let cast = try await Cast()
        let image = try await cast.world.activeImage(by: cast.consumer, name: "mine", data: Array("my own disk".utf8))
        try await cast.world.application().test(.router) { client async throws in
            let account = "/object/v1/AUTH_2002"
            _ = try await client.send(.put, account + "/in", as: cast.consumer)
            _ = try await client.send(.put, account + "/out", as: cast.consumer)
            _ = try await client.send(.put, account + "/in/disk.raw", as: cast.consumer, bytes: Array("imported disk".utf8))
            // Import
            let imported = try await client.send(
                .post, "/image/v2/tasks", as: cast.consumer,
                json: #"{"type": "import", "input": {"import_from": "in/disk.raw", "import_from_format": "raw", "image_properties": {"name": "from object"}}}"#)
            #expect(imported.status == .created)
            let importID = try #require(imported.json?["id"]?.string)
            #expect(imported.headers[.location] == "/image/v2/tasks/\(importID)")
            #expect(imported.json?["status"] == .string("pending"))
            let importDone = try await Self.finished(importID, as: cast.consumer, in: cast.world, client: client)
            #expect(importDone["status"] == .string("success"), "\(importDone)")
            let newImage = try #require(importDone["result"]?["image_id"]?.string)
            #expect(try await client.send(.get, "/image/v2/images/\(newImage)/file", as: cast.consumer).text == "imported disk")
            // Export
            let exported = try await client.send(
                .post, "/image/v2/tasks", as: cast.consumer, json: #"{"type": "export", "input": {"image_uuid": "\#(image.id)", "receiving_swift_container": "out"}}"#)
            #expect(exported.status == .created)
            let exportID = try #require(exported.json?["id"]?.string)
            let exportDone = try await Self.finished(exportID, as: cast.consumer, in: cast.world, client: client)
            #expect(exportDone["status"] == .string("success"), "\(exportDone)")
            let object = try await client.send(.get, account + "/out/\(image.id).raw", as: cast.consumer)
            #expect(object.text == "my own disk")
            #expect(object.headers[.eTag] == image.checksum)
            // Lists and filters
            func ids(_ query: String) async throws -> Set<String> {
                let response = try await client.send(.get, "/image/v2/tasks" + query, as: cast.consumer)
                #expect(response.status == .ok, "\(query)")
                return Set((response.json?["tasks"]?.array ?? []).compactMap { $0["id"]?.string })
            }
            #expect(try await ids("") == [importID, exportID])
            #expect(try await ids("?type=import") == [importID])
            #expect(try await ids("?type=export&status=success") == [exportID])
            #expect(try await ids("?status=failure") == [])
            #expect(try await client.send(.get, "/image/v2/tasks?type=copy", as: cast.consumer).status == .badRequest)
            #expect(try await client.send(.get, "/image/v2/tasks?status=done", as: cast.consumer).status == .badRequest)
            // Other tenants see none of them
            #expect(try await client.send(.get, "/image/v2/tasks", as: cast.stranger).json?["tasks"]?.array?.isEmpty == true)
            #expect(try await client.send(.get, "/image/v2/tasks/\(importID)", as: cast.stranger).status == .notFound)
        }
    }

    @Test func tasks_invalidInput_answers400() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            for body in [
                #"{"type": "copy", "input": {}}"#, #"{"type": "import"}"#, #"{"type": "import", "input": {"import_from": "no-slash", "import_from_format": "raw"}}"#,
                #"{"type": "export", "input": {"image_uuid": "x", "receiving_swift_container": "out"}}"#, "[]",
            ] {
                #expect(try await client.send(.post, "/image/v2/tasks", as: cast.consumer, json: body).status == .badRequest, "\(body)")
            }
        }
    }

    @Test func tasks_exportOfASnapshotOfASharedImage_failsNamingTheCheck() async throws {
        let cast = try await Cast()
        let base = try await cast.image("licensed base")
        try await cast.share(base, with: cast.consumer, status: .accepted)
        try await cast.world.application().test(.router) { client async throws in
            let server = try await client.send(.post, "/compute/v2.1/servers", as: cast.consumer, json: Self.bootBody(base.id.rawValue))
            let serverID = try #require(server.json?["server"]?["id"]?.string)
            let snapshot = try await client.send(.post, "/compute/v2.1/servers/\(serverID)/action", as: cast.consumer, json: #"{"createImage": {"name": "snap"}}"#)
            let imageID = try #require(snapshot.json?["image_id"]?.string)
            _ = try await client.send(.put, "/object/v1/AUTH_2002/out", as: cast.consumer)
            for target in [imageID, base.id.rawValue] {
                let created = try await client.send(
                    .post, "/image/v2/tasks", as: cast.consumer, json: #"{"type": "export", "input": {"image_uuid": "\#(target)", "receiving_swift_container": "out"}}"#)
                #expect(created.status == .created)
                let done = try await Self.finished(try #require(created.json?["id"]?.string), as: cast.consumer, in: cast.world, client: client)
                #expect(done["status"] == .string("failure"))
                let message = done["message"]?.string ?? ""
                #expect(message.contains(target == imageID ? "[not_shared_derived]" : "[owner]"), "\(message)")
            }
            #expect(try await client.send(.get, "/object/v1/AUTH_2002/out?format=json", as: cast.consumer).json?.array?.isEmpty == true)
        }
    }

    // MARK: Audit

    @Test func audit_tenantsSeeTheirOwnEvents_staffSeeAll() async throws {
        // Given A (1001) sharing with B (2002), and a third tenant C (3003) with its own image
        let cast = try await Cast()
        let image = try await cast.image("shared")
        try await cast.share(image, with: cast.consumer, status: .accepted)
        let other = try await cast.world.activeImage(by: cast.stranger, name: "c's")
        try await cast.world.application().test(.router) { client async throws in
            func events(_ credential: Credential, _ query: String = "") async throws -> [JSONValue] {
                let response = try await client.send(.get, "/audit/v1/events" + query, as: credential)
                #expect(response.status == .ok, "\(query)")
                return response.json?["events"]?.array ?? []
            }
            let shareTypes: Set<String> = ["member.created", "member.updated"]
            // A and B see the share events; C sees none of them, only its own
            #expect(Set(try await events(cast.owner).compactMap { $0["type"]?.string }).isSuperset(of: shareTypes))
            #expect(Set(try await events(cast.consumer).compactMap { $0["type"]?.string }).isSuperset(of: shareTypes))
            let third = try await events(cast.stranger)
            #expect(!third.isEmpty)
            #expect(third.allSatisfy { $0["image_id"] != .string(image.id.rawValue) })
            #expect(third.allSatisfy { !shareTypes.contains($0["type"]?.string ?? "") })
            #expect(try await events(cast.stranger, "?image=\(image.id)").isEmpty)
            // Staff see everything, both images
            for staff in [cast.support, cast.staffAdmin] {
                let all = try await events(staff, "?limit=1000")
                #expect(all.contains { $0["image_id"] == .string(image.id.rawValue) })
                #expect(all.contains { $0["image_id"] == .string(other.id.rawValue) })
            }
            // Filters
            let byType = try await events(cast.owner, "?type=member.updated")
            #expect(byType.count == 1)
            #expect(byType.first?["actor_tenant"] == .string("2002"))
            #expect(byType.first?["other_tenant"] == .string("2002"))
            #expect(byType.first?["token_id"] == .string(cast.consumer.tokenID.rawValue))
            #expect(try await events(cast.staffAdmin, "?tenant=3003").allSatisfy { $0["image_id"] != .string(image.id.rawValue) })
            #expect(try await events(cast.staffAdmin, "?actor=2002").allSatisfy { $0["actor_tenant"] == .string("2002") })
            let now = Timestamp.iso8601(cast.world.now)
            #expect(try await events(cast.owner, "?since=\(now)").count == (try await events(cast.owner)).count)
            #expect(try await events(cast.owner, "?until=\(now)").isEmpty)
            #expect(try await client.send(.get, "/audit/v1/events?since=yesterday", as: cast.owner).status == .badRequest)
            #expect(try await client.send(.get, "/audit/v1/events?type=bogus", as: cast.owner).status == .badRequest)
            #expect(try await client.send(.get, "/audit/v1/events?image=nope", as: cast.owner).status == .badRequest)
            #expect(try await client.send(.get, "/audit/v1/events?marker=-1", as: cast.owner).status == .badRequest)
        }
    }

    @Test func audit_pagesWithKeysetNextLinks() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        for tenant in [cast.consumer, cast.otherConsumer, cast.thirdConsumer] { try await cast.share(image, with: tenant, status: .accepted) }
        try await cast.world.application().test(.router) { client async throws in
            let all = try await client.send(.get, "/audit/v1/events?image=\(image.id)&limit=1000", as: cast.owner)
            let allIDs = (all.json?["events"]?.array ?? []).compactMap { $0["id"]?.int }
            #expect(allIDs.count == 8)
            #expect(allIDs == allIDs.sorted(by: >))
            var seen: [Int64] = []
            var link: String? = "/audit/v1/events?image=\(image.id)&limit=3"
            var pages = 0
            while let current = link, pages < 10 {
                let page = try await client.send(.get, current, as: cast.owner)
                seen += (page.json?["events"]?.array ?? []).compactMap { $0["id"]?.int }
                link = page.json?["next"]?.string
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen == allIDs)
        }
    }

    @Test(arguments: [HTTPRequest.Method.post, .put, .patch, .delete])
    func audit_hasNoWriteMethods(_ method: HTTPRequest.Method) async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            let before = try await client.send(.get, "/audit/v1/events", as: cast.staffAdmin).json?["events"]?.array?.count
            let response = try await client.send(method, "/audit/v1/events", as: cast.staffAdmin, json: "{}")
            #expect(response.status == .methodNotAllowed || response.status == .notFound)
            let item = try await client.send(method, "/audit/v1/events/1", as: cast.staffAdmin, json: "{}")
            #expect(item.status == .methodNotAllowed || item.status == .notFound)
            #expect(try await client.send(.get, "/audit/v1/events", as: cast.staffAdmin).json?["events"]?.array?.count == before)
        }
    }
}

/// Why the empty-object round trip failed (inside the child process).
enum EmptyObjectFailure: Error {
    case unexpected(String)
}
