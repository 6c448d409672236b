import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PortalApp
import PortalAuth
import PortalCore
import PortalDomain
import PortalStorage
import Testing
import TestSupport

/// Glance v2 images over HTTP: create, patch, list, errors and headers.
@Suite("Images API")
struct ImagesAPITests {
    // MARK: Create

    @Test func create_default_answers201WithLocation_sharedAndQueued() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, "/image/v2/images", as: cast.owner, json: #"{"name": "web", "disk_format": "raw", "container_format": "bare", "os_distro": "ubuntu", "tags": ["a"]}"#)
            #expect(response.status == .created)
            let body = try #require(response.json)
            let id = try #require(body["id"]?.string)
            #expect(response.headers[.location] == "http://localhost/image/v2/images/\(id)")
            #expect(body["visibility"] == .string("shared"))
            #expect(body["status"] == .string("queued"))
            #expect(body["owner"] == .string("1001"))
            #expect(body["os_distro"] == .string("ubuntu"))
            #expect(body["tags"] == .array([.string("a")]))
            #expect(body["self"] == .string("/v2/images/\(id)"))
            #expect(body["file"] == .string("/v2/images/\(id)/file"))
            #expect(body["schema"] == .string("/v2/schemas/image"))
            #expect(body["size"]?.isNull == true)
            let shown = try await client.send(.get, "/image/v2/images/\(id)", as: cast.owner)
            #expect(shown.status == .ok)
            #expect(shown.json?["name"] == .string("web"))
        }
    }

    @Test func create_withTakenID_answers409() async throws {
        let cast = try await Cast()
        let id = ImageID.generate().rawValue
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.post, "/image/v2/images", as: cast.owner, json: #"{"id": "\#(id)"}"#).status == .created)
            let again = try await client.send(.post, "/image/v2/images", as: cast.stranger, json: #"{"id": "\#(id)"}"#)
            #expect(again.status == .conflict)
            #expect(again.errorMessage?.isEmpty == false)
        }
    }

    /// Bodies Glance refuses with 403: read-only and reserved attributes, publicising without the admin role.
    static let forbiddenBodies: [String] = [
        #"{"status": "active"}"#, #"{"size": 5}"#, #"{"virtual_size": 5}"#, #"{"checksum": "abc"}"#, #"{"os_hash_algo": "sha512"}"#,
        #"{"os_hash_value": "x"}"#, #"{"created_at": "2020-01-01T00:00:00Z"}"#, #"{"updated_at": "2020-01-01T00:00:00Z"}"#,
        #"{"self": "/x"}"#, #"{"file": "/x"}"#, #"{"schema": "/x"}"#, #"{"direct_url": "x"}"#, #"{"stores": "x"}"#,
        #"{"locations": []}"#, #"{"location": "x"}"#, #"{"deleted": "x"}"#, #"{"deleted_at": "x"}"#, #"{"os_glance_import_method": "x"}"#,
        #"{"visibility": "public"}"#, #"{"export_restricted": "true"}"#, #"{"owner": "2002"}"#,
    ]

    @Test(arguments: forbiddenBodies)
    func create_forbiddenAttribute_answers403(_ body: String) async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, "/image/v2/images", as: cast.owner, json: body)
            #expect(response.status == .forbidden)
            #expect(response.errorMessage?.isEmpty == false)
            #expect(listedIDs(try await client.send(.get, "/image/v2/images", as: cast.owner)).isEmpty)
        }
    }

    /// Bodies refused with 400: bad values, wrong types, not an object, not JSON.
    static let invalidBodies: [String] = [
        #"{"disk_format": "exe"}"#, #"{"container_format": "zip"}"#, #"{"visibility": "secret"}"#, #"{"min_disk": -1}"#,
        #"{"min_ram": "1"}"#, #"{"min_ram": 1.5}"#, #"{"name": 5}"#, #"{"protected": "yes"}"#, #"{"os_hidden": 1}"#, #"{"tags": "a"}"#,
        #"{"tags": [1]}"#, #"{"os_distro": 7}"#, #"{"id": "not-a-uuid"}"#, #"{"owner": "abc"}"#,
        #"{"name": "\#(String(repeating: "n", count: 256))"}"#, "[]", #""image""#, "12", "null", "{", "{\"name\": }", "",
    ]

    @Test(arguments: invalidBodies)
    func create_invalidBody_answers400(_ body: String) async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, "/image/v2/images", as: cast.owner, json: body)
            #expect(response.status == .badRequest)
            #expect(response.json?["error"]?["code"] == .int(400))
            #expect(response.errorMessage?.isEmpty == false)
        }
    }

    @Test func create_public_byTenantAdmin_answers201() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.post, "/image/v2/images", as: cast.ownerAdmin, json: #"{"name": "base", "visibility": "public"}"#)
            #expect(response.status == .created)
            #expect(response.json?["visibility"] == .string("public"))
            let byStaff = try await client.send(.post, "/image/v2/images", as: cast.staffAdmin, json: #"{"name": "base", "visibility": "public", "owner": "1001"}"#)
            #expect(byStaff.status == .created)
            #expect(byStaff.json?["owner"] == .string("1001"))
        }
    }

    @Test func create_bySupport_answers403() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.post, "/image/v2/images", as: cast.support, json: #"{"name": "x", "owner": "1001"}"#).status == .forbidden)
        }
    }

    // MARK: Patch

    @Test(arguments: [String?.some("application/json"), "text/plain", "application/json-patch+json", nil])
    func patch_wrongContentType_answers415WithAcceptPatch(_ contentType: String?) async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            var headers = HTTPFields()
            if let contentType { headers[.contentType] = contentType }
            let response = try await client.send(
                .patch, "/image/v2/images/\(image.id)", as: cast.owner, headers: headers,
                bytes: Array(#"[{"op": "replace", "path": "/name", "value": "x"}]"#.utf8))
            #expect(response.status == .unsupportedMediaType)
            let accept = response.headers[.acceptPatch] ?? ""
            #expect(accept.contains("application/openstack-images-v2.1-json-patch"))
            #expect(accept.contains("application/openstack-images-v2.0-json-patch"))
        }
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.name == "image")
    }

    @Test func patch_v21_appliesEveryOperation() async throws {
        let cast = try await Cast()
        let image = try await cast.image(properties: ["existing": "1"])
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(
                .patch, "/image/v2/images/\(image.id)", as: cast.owner, headers: [.contentType: patchMediaType + "; charset=utf-8"],
                json: #"""
                    [{"op": "replace", "path": "/name", "value": "renamed"},
                     {"op": "add", "path": "/os_distro", "value": "ubuntu"},
                     {"op": "remove", "path": "/existing"},
                     {"op": "add", "path": "/tags", "value": ["a", "b", "a"]},
                     {"op": "replace", "path": "/min_disk", "value": 10},
                     {"op": "add", "path": "/protected", "value": true}]
                    """#)
            #expect(response.status == .ok)
            let body = try #require(response.json)
            #expect(body["name"] == .string("renamed"))
            #expect(body["os_distro"] == .string("ubuntu"))
            #expect(body["existing"] == nil)
            #expect(body["tags"] == .array([.string("a"), .string("b")]))
            #expect(body["min_disk"] == .int(10))
            #expect(body["protected"] == .bool(true))
        }
    }

    @Test func patch_v20_draft4_appliesAndRefusesAddingWhatExists() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            let headers: HTTPFields = [.contentType: "application/openstack-images-v2.0-json-patch"]
            let ok = try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.owner, headers: headers, json: #"[{"replace": "/name", "value": "v20"}, {"add": "/fresh", "value": "1"}]"#)
            #expect(ok.status == .ok)
            #expect(ok.json?["name"] == .string("v20"))
            #expect(ok.json?["fresh"] == .string("1"))
            let exists = try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.owner, headers: headers, json: #"[{"add": "/fresh", "value": "2"}]"#)
            #expect(exists.status == .conflict)
            let twoOps = try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.owner, headers: headers, json: #"[{"replace": "/name", "remove": "/fresh"}]"#)
            #expect(twoOps.status == .badRequest)
        }
    }

    /// Every refused v2.1 patch, with Glance's status (the image is active, owned by a member-role token,
    /// and carries the property `existing`).
    static let patchErrors: [(String, Int)] = [
        (#"[{"op": "replace", "path": "/status", "value": "active"}]"#, 403),
        (#"[{"op": "replace", "path": "/size", "value": 1}]"#, 403),
        (#"[{"op": "replace", "path": "/checksum", "value": "x"}]"#, 403),
        (#"[{"op": "replace", "path": "/id", "value": "x"}]"#, 403),
        (#"[{"op": "add", "path": "/os_glance_x", "value": "1"}]"#, 403),
        (#"[{"op": "add", "path": "/deleted", "value": "1"}]"#, 403),
        (#"[{"op": "add", "path": "/locations/-", "value": {"url": "http://x"}}]"#, 403),
        (#"[{"op": "remove", "path": "/name"}]"#, 403),
        (#"[{"op": "remove", "path": "/visibility"}]"#, 403),
        (#"[{"op": "replace", "path": "/visibility", "value": "public"}]"#, 403),
        (#"[{"op": "replace", "path": "/owner", "value": "2002"}]"#, 403),
        (#"[{"op": "add", "path": "/export_restricted", "value": "true"}]"#, 403),
        (#"[{"op": "replace", "path": "/disk_format", "value": "qcow2"}]"#, 403),
        (#"[{"op": "replace", "path": "/container_format", "value": "ovf"}]"#, 403),
        (#"[{"op": "remove", "path": "/missing"}]"#, 409),
        (#"[{"op": "replace", "path": "/missing", "value": "x"}]"#, 409),
        (#"[{"op": "move", "path": "/name", "value": "x"}]"#, 400),
        (#"[{"path": "/name", "value": "x"}]"#, 400),
        (#"[{"op": "replace", "value": "x"}]"#, 400),
        (#"[{"op": "replace", "path": "/name"}]"#, 400),
        (#"[{"op": "replace", "path": "name", "value": "x"}]"#, 400),
        (#"[{"op": "replace", "path": "/a/b", "value": "x"}]"#, 400),
        (#"[{"op": "replace", "path": "/name/", "value": "x"}]"#, 400),
        (#"[{"op": "replace", "path": "//name", "value": "x"}]"#, 400),
        (#"[{"op": "replace", "path": "/~2name", "value": "x"}]"#, 400),
        (#"[{"op": "replace", "path": "/min_disk", "value": "big"}]"#, 400),
        (#"[{"op": "replace", "path": "/min_ram", "value": -1}]"#, 400),
        (#"[{"op": "replace", "path": "/visibility", "value": "secret"}]"#, 400),
        (#"[{"op": "replace", "path": "/protected", "value": "true"}]"#, 400),
        (#"[{"op": "replace", "path": "/owner", "value": null}]"#, 400),
        (#"[{"op": "add", "path": "/prop", "value": 5}]"#, 400),
        (#"[{"op": "replace", "path": "/tags", "value": "a"}]"#, 400),
        (#"[{"op": "replace", "path": "/tags", "value": [""]}]"#, 400),
        (#"[{"op": "replace", "path": "/existing", "value": "\#(String(repeating: "v", count: 65_536))"}]"#, 400),
        (#"{"op": "replace", "path": "/name", "value": "x"}"#, 400),
        (#"["replace"]"#, 400),
        ("[", 400),
        ("", 400),
    ]

    @Test(arguments: patchErrors)
    func patch_refused_answersGlancesStatus_andChangesNothing(_ body: String, _ status: Int) async throws {
        let cast = try await Cast()
        let image = try await cast.image(properties: ["existing": "1"])
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.owner, headers: [.contentType: patchMediaType], json: body)
            #expect(response.status.code == status, "\(response.text)")
            #expect(response.errorMessage?.isEmpty == false)
        }
        let after = try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image
        #expect(after == image)
    }

    @Test func patch_byOthers_answers403Or404() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.share(image, with: cast.consumer, status: .accepted)
        let body = #"[{"op": "replace", "path": "/name", "value": "taken"}]"#
        try await cast.world.application().test(.router) { client async throws in
            let headers: HTTPFields = [.contentType: patchMediaType]
            #expect(try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.consumer, headers: headers, json: body).status == .forbidden)
            #expect(try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.stranger, headers: headers, json: body).status == .notFound)
            #expect(try await client.send(.patch, "/image/v2/images/\(ImageID.generate())", as: cast.owner, headers: headers, json: body).status == .notFound)
            #expect(try await client.send(.patch, "/image/v2/images/not-a-uuid", as: cast.owner, headers: headers, json: body).status == .notFound)
            #expect(try await client.send(.patch, "/image/v2/images/\(image.id)", as: cast.tenantAdmin, headers: headers, json: body).status == .ok)
        }
    }

    // MARK: List

    static let listErrors: [String] = [
        "visibility=bogus", "member_status=bogus", "sort_key=bogus", "sort_dir=sideways", "sort=name:up", "sort=bogus", "limit=abc",
        "limit=-1", "size_min=abc", "size_min=-1", "size_max=big", "marker=\(ImageID.generate())", "marker=not-a-uuid",
        "protected=maybe", "os_hidden=maybe", "created_at=yesterday", "created_at=soon:2024-01-01T00:00:00Z",
        "updated_at=2024-13-45T00:00:00Z", "changes-since=2024-01-01T00:00:00Z", "sort=name&sort_key=name",
        "sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc",
    ]

    @Test(arguments: listErrors)
    func list_badParameter_answers400(_ query: String) async throws {
        let cast = try await Cast()
        _ = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.get, "/image/v2/images?" + query, as: cast.owner)
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.errorMessage?.isEmpty == false)
        }
    }

    @Test func list_filters() async throws {
        let cast = try await Cast()
        let small = try await cast.image("small", data: Array(repeating: 1, count: 10), properties: ["os_distro": "ubuntu"])
        _ = try await cast.useCases.catalog.addTag("gold", to: small.id, by: cast.owner.actor)
        let big = try await cast.image("big", data: Array(repeating: 2, count: 1000))
        let community = try await cast.image("community", visibility: .community)
        let queued = try await cast.world.queuedImage(by: cast.owner, name: "queued", diskFormat: .qcow2)
        try await cast.world.application().test(.router) { client async throws in
            func ids(_ query: String) async throws -> Set<String> {
                let response = try await client.send(.get, "/image/v2/images?" + query, as: cast.owner)
                #expect(response.status == .ok, "\(query): \(response.text)")
                return Set(listedIDs(response))
            }
            #expect(try await ids("status=bogus") == [])
            #expect(try await ids("name=small") == [small.id.rawValue])
            #expect(try await ids("name=in:small,big") == [small.id.rawValue, big.id.rawValue])
            #expect(try await ids("status=queued") == [queued.id.rawValue])
            #expect(try await ids("disk_format=qcow2") == [queued.id.rawValue])
            #expect(try await ids("size_min=12") == [big.id.rawValue])
            #expect(try await ids("size_max=10&size_min=10") == [small.id.rawValue])
            #expect(try await ids("tag=gold") == [small.id.rawValue])
            #expect(try await ids("os_distro=ubuntu") == [small.id.rawValue])
            #expect(try await ids("visibility=community") == [community.id.rawValue])
            #expect(try await ids("owner=2002") == [])
            #expect(try await ids("id=" + big.id.rawValue) == [big.id.rawValue])
            #expect(try await ids("member_status=all&visibility=shared").count == 3)
            #expect(try await ids("sort=name:asc&limit=1") == [big.id.rawValue])
            // Hidden images leave the default list and are listed with os_hidden=true
            let hide = try await client.send(
                .patch, "/image/v2/images/\(big.id)", as: cast.owner, headers: [.contentType: patchMediaType], json: #"[{"op": "replace", "path": "/os_hidden", "value": true}]"#)
            #expect(hide.status == .ok)
            #expect(try await ids("").contains(big.id.rawValue) == false)
            #expect(try await ids("os_hidden=true") == [big.id.rawValue])
        }
    }

    @Test func list_pages_follow25PerPageAndRelativeNextLinks() async throws {
        // Given 30 images
        let cast = try await Cast()
        var all: Set<String> = []
        for index in 0..<30 {
            all.insert(try await cast.world.queuedImage(by: cast.owner, name: "img-\(index)").id.rawValue)
        }
        let expected = all
        try await cast.world.application().test(.router) { client async throws in
            // When the default list is read
            let first = try await client.send(.get, "/image/v2/images", as: cast.owner)
            let body = try #require(first.json)
            // Then it holds 25 images, links relative to the endpoint, and a next link to the rest
            #expect(body["images"]?.array?.count == 25)
            #expect(body["first"] == .string("/v2/images"))
            #expect(body["schema"] == .string("/v2/schemas/images"))
            let next = try #require(body["next"]?.string)
            #expect(next.hasPrefix("/v2/images?marker="))
            let rest = try await client.send(.get, "/image" + next, as: cast.owner)
            #expect(rest.json?["images"]?.array?.count == 5)
            #expect(rest.json?["next"] == nil)
            #expect(Set(listedIDs(first) + listedIDs(rest)) == expected)
            // And other parameters are carried along in next links
            var seen: [String] = []
            var link: String? = "/v2/images?limit=7&sort=name:asc"
            var pages = 0
            while let current = link, pages < 10 {
                let page = try await client.send(.get, "/image" + current, as: cast.owner)
                #expect(page.status == .ok)
                seen += listedIDs(page)
                link = page.json?["next"]?.string
                if let link {
                    #expect(link.contains("limit=7"))
                    #expect(link.contains("sort=name"))
                }
                pages += 1
            }
            #expect(pages == 5)
            #expect(seen.count == 30)
            #expect(Set(seen) == expected)
        }
    }

    // MARK: Protocol details

    /// Wrong methods on known paths, with the methods the path allows.
    static let wrongMethods: [(HTTPRequest.Method, String, String)] = [
        (.put, "/image/v2/images", "GET, POST"),
        (.delete, "/image/v2/images", "GET, POST"),
        (.post, "/image/v2/images/{id}", "GET, PATCH, DELETE"),
        (.put, "/image/v2/images/{id}", "GET, PATCH, DELETE"),
        (.post, "/image/v2/images/{id}/file", "GET, PUT"),
        (.delete, "/image/v2/images/{id}/file", "GET, PUT"),
        (.get, "/image/v2/images/{id}/actions/deactivate", "POST"),
        (.get, "/image/v2/images/{id}/tags/x", "PUT, DELETE"),
        (.patch, "/image/v2/images/{id}/members", "GET, POST"),
        (.post, "/image/v2/images/{id}/members/2002", "GET, PUT, DELETE"),
        (.patch, "/image/v1/images", "GET, POST"),
        (.post, "/image/v1/images/{id}", "GET, PUT, DELETE"),
    ]

    @Test(arguments: wrongMethods)
    func wrongMethod_answers405WithAllow(_ method: HTTPRequest.Method, _ path: String, _ allow: String) async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(method, path.replacingOccurrences(of: "{id}", with: image.id.rawValue), as: cast.owner)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == allow)
            #expect(response.errorMessage?.isEmpty == false)
            #expect(response.headers[.xOpenstackRequestID]?.hasPrefix("req-") == true)
        }
    }

    static let protectedPaths: [String] = [
        "/image/v2/images", "/image/v2/schemas/image", "/image/v2/schemas/member", "/image/v2/tasks", "/image/v1/images",
        "/compute/v2.1/servers", "/object/v1/AUTH_1001", "/audit/v1/events",
    ]

    @Test(arguments: protectedPaths)
    func request_withoutOrWithABadToken_answers401WithAMessage(_ path: String) async throws {
        let cast = try await Cast()
        let revoked = try await cast.world.token(try #require(cast.owner.tenant))
        _ = try await cast.world.useCases.accounts.revokeToken(revoked.tokenID, by: .cli("test"))
        try await cast.world.application().test(.router) { client async throws in
            for headers: HTTPFields in [[:], [.xAuthToken: ""], [.xAuthToken: "not-a-token"], [.xAuthToken: cast.owner.secret + "x"], revoked.headers] {
                let response = try await client.execute(uri: path, method: .get, headers: headers)
                #expect(response.status == .unauthorized, "\(path) \(headers)")
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.json?["error"]?["code"] == .int(401))
                #expect(response.errorMessage?.isEmpty == false)
                #expect(response.headers[.wwwAuthenticate] != nil)
                #expect(!response.text.contains(cast.owner.secret))
            }
            #expect(try await client.send(.get, path, as: cast.owner).status.code < 400)
        }
    }

    @Test func everyResponse_carriesARequestID() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.application().test(.router) { client async throws in
            let requests: [(HTTPRequest.Method, String, Credential?, String?)] = [
                (.get, "/image", nil, nil), (.get, "/image/versions", nil, nil), (.get, "/image/v2/images", cast.owner, nil),
                (.post, "/image/v2/images", cast.owner, "{}"), (.post, "/image/v2/images", cast.owner, "{"),
                (.get, "/image/v2/images/\(image.id)", cast.stranger, nil), (.get, "/image/v2/images", nil, nil),
                (.put, "/image/v2/images", cast.owner, nil), (.delete, "/image/v2/images/\(image.id)", cast.consumer, nil),
                (.get, "/image/v2/images/\(image.id)/file", cast.owner, nil), (.get, "/image/v2/no-such-thing", cast.owner, nil),
                (.get, "/image/v1/images/\(image.id)", cast.owner, nil), (.get, "/audit/v1/events", cast.owner, nil),
            ]
            var seen: Set<String> = []
            for (method, path, credential, json) in requests {
                let response = try await client.send(method, path, as: credential, json: json)
                let id = response.headers[.xOpenstackRequestID]
                #expect(id?.hasPrefix("req-") == true, "\(method) \(path) → \(response.status)")
                if let id { seen.insert(id) }
                if let message = response.json?["error"]?["request_id"]?.string { #expect(message == id) }
            }
            #expect(seen.count == requests.count)
        }
    }

    @Test func versions_arePublic_300AtTheRootAnd200AtVersions() async throws {
        let world = try await TestWorld()
        try await world.application().test(.router) { client async throws in
            for path in ["/image", "/image/"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .multipleChoices, "\(path)")
                let versions = response.json?["versions"]?.array ?? []
                #expect(versions.first?["id"] == .string("v2.7"))
                #expect(versions.first?["status"] == .string("CURRENT"))
                #expect(versions.contains { $0["id"] == .string("v1.0") && $0["status"] == .string("DEPRECATED") })
                #expect(versions.first?["links"]?[0]?["href"] == .string("http://localhost/image/v2/"))
            }
            let explicit = try await client.execute(uri: "/image/versions", method: .get)
            #expect(explicit.status == .ok)
            #expect(explicit.json?["versions"]?.array?.count == 10)
        }
    }

    @Test func versions_usePublicBaseURL_whenConfigured() async throws {
        let world = try await TestWorld()
        var configuration = world.configuration
        configuration.publicBaseURL = "https://images.example.com"
        let app = try await buildApplication(configuration: configuration, dependencies: world.dependencies, logger: Logger(label: "test"))
        try await app.test(.router) { client async throws in
            let response = try await client.execute(uri: "/image", method: .get)
            #expect(response.json?["versions"]?[0]?["links"]?[0]?["href"] == .string("https://images.example.com/image/v2/"))
        }
    }

    @Test func schemas_needAToken_andDescribeImagesAndMembers() async throws {
        let cast = try await Cast()
        try await cast.world.application().test(.router) { client async throws in
            for name in ["image", "images", "member", "members"] {
                let response = try await client.send(.get, "/image/v2/schemas/\(name)", as: cast.owner)
                #expect(response.status == .ok, "\(name)")
                #expect(response.json?["name"] == .string(name))
            }
        }
    }
}
