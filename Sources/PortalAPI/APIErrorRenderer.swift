package import Hummingbird
package import PortalAuth

/// Renders errors in the shape OpenStack clients parse: `{"error": {"code", "title", "message"}}`
/// (python-glanceclient reads every top-level object's `message`).
package enum APIErrorRenderer {
    /// The error response for an API request.
    package static func response(for error: PresentableError, requestID: String) -> Response {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.field("code", error.status.code)
        json.field("title", error.status.reasonPhrase)
        json.field("message", error.message)
        json.field("request_id", requestID)
        json.endObject()
        json.endObject()
        var headers = error.headers
        headers[.contentType] = "application/json"
        headers[.xOpenstackRequestID] = requestID
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Keystone uri=\"local\"" }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: json.buffer))
    }
}
