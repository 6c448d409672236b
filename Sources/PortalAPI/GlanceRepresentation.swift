import Hummingbird
import NIOCore
import PortalAuth
import PortalCore
import PortalDomain

/// The JSON shapes Glance v2 answers with. Links are relative to the endpoint, as Glance writes them.
enum GlanceRepresentation {
    /// Writes one image as Glance's `_format_image` does: base attributes, free-form properties
    /// at the top level, `tags`, and the `self`/`file`/`schema` links.
    static func write(_ image: Image, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", image.id.rawValue)
        json.field("name", image.name)
        json.field("status", image.status.rawValue)
        json.field("visibility", image.visibility.rawValue)
        json.field("protected", image.protected)
        json.field("os_hidden", image.osHidden)
        json.field("checksum", image.checksum)
        json.field("os_hash_algo", image.osHashAlgo)
        json.field("os_hash_value", image.osHashValue)
        json.field("owner", image.owner.rawValue)
        json.field("size", image.size)
        json.field("virtual_size", image.virtualSize)
        json.field("min_ram", image.minRam)
        json.field("min_disk", image.minDisk)
        json.field("disk_format", image.diskFormat?.rawValue)
        json.field("container_format", image.containerFormat?.rawValue)
        json.field("created_at", Timestamp.iso8601(image.createdAt))
        json.field("updated_at", Timestamp.iso8601(image.updatedAt))
        json.key("tags")
        json.beginArray()
        for tag in image.tags { json.string(tag) }
        json.endArray()
        for (key, value) in image.properties.sorted(by: { $0.key < $1.key }) where !ImageRules.baseAttributes.contains(key) {
            json.field(key, value)
        }
        json.field("self", "/v2/images/\(image.id)")
        json.field("file", "/v2/images/\(image.id)/file")
        json.field("schema", "/v2/schemas/image")
        json.endObject()
    }

    /// One image as a response body.
    static func image(_ image: Image, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var json = JSONWriter(capacity: 1024)
        write(image, into: &json)
        return jsonResponse(json, status: status, headers: headers)
    }

    /// A member as Glance's image-members serializer writes it.
    static func write(_ member: Member, into json: inout JSONWriter) {
        json.beginObject()
        json.field("image_id", member.imageID.rawValue)
        json.field("member_id", member.memberID.rawValue)
        json.field("status", member.status.rawValue)
        json.field("created_at", Timestamp.iso8601(member.createdAt))
        json.field("updated_at", Timestamp.iso8601(member.updatedAt))
        json.field("schema", "/v2/schemas/member")
        json.endObject()
    }

    static func member(_ member: Member) -> Response {
        var json = JSONWriter(capacity: 256)
        write(member, into: &json)
        return jsonResponse(json)
    }

    static func members(_ members: [Member]) -> Response {
        var json = JSONWriter(capacity: 256 * (members.count + 1))
        json.beginObject()
        json.key("members")
        json.beginArray()
        for member in members { write(member, into: &json) }
        json.endArray()
        json.field("schema", "/v2/schemas/members")
        json.endObject()
        return jsonResponse(json)
    }

    static func jsonResponse(_ json: JSONWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: json.buffer))
    }

    /// A page of the image list, with Glance's `first`, `next` and `schema` links.
    static func imageList(_ page: ImagePage, query items: [(name: String, value: String)]) -> Response {
        var json = JSONWriter(capacity: 64 + page.images.count * 900)
        json.beginObject()
        json.key("images")
        json.beginArray()
        for image in page.images { write(image, into: &json) }
        json.endArray()
        let kept = items.filter { $0.name != "marker" }
        json.field("first", kept.isEmpty ? "/v2/images" : "/v2/images?" + QueryItems.encode(kept))
        if let next = page.nextMarker {
            json.field("next", "/v2/images?" + QueryItems.encode(kept + [("marker", next.rawValue)]))
        }
        json.field("schema", "/v2/schemas/images")
        json.endObject()
        return jsonResponse(json)
    }

    /// Which JSON-patch dialect a PATCH speaks: v2.1 (RFC 6902, true) or v2.0 (draft 4); 415 for anything else.
    static func patchDialect(_ request: Request) throws -> Bool {
        switch APISupport.mediaType(request) {
        case "application/openstack-images-v2.1-json-patch": return true
        case "application/openstack-images-v2.0-json-patch": return false
        default:
            throw DomainError.unsupportedMediaType(
                "Image PATCH expects Content-Type one of: application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch")
        }
    }

    /// The streamed response for a download (image data in v2 and v1).
    static func download(_ download: Download, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/octet-stream"
        headers[.contentMD5] = download.checksum
        headers[.acceptRanges] = "bytes"
        var status = HTTPResponse.Status.ok
        if let range = download.range {
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(download.size)"
        }
        headers[.contentLength] = String(download.length)
        guard let body = download.body else { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: .streaming(body, length: download.length))
    }
}
