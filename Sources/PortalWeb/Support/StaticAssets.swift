import Foundation
package import Hummingbird
import PortalCrypto

/// Serves the few files of `Public/` (styles, script, icon) from memory, with an ETag and caching.
/// Only those exact paths are answered; everything else passes through untouched.
package struct StaticAssets<Context: RequestContext>: RouterMiddleware {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    let assets: [String: Asset]

    /// Loads every file directly under `directory`.
    package init(directory: String) throws {
        var assets: [String: Asset] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "txt": "text/plain; charset=utf-8"]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            let ext = String(name.split(separator: ".").last ?? "")
            assets["/" + name] = Asset(
                body: ByteBuffer(bytes: data), contentType: types[ext] ?? "application/octet-stream",
                etag: "\"" + ByteEncoding.hex(Digest.hash(.sha256, Array(data)).prefix(12)) + "\"")
        }
        self.assets = assets
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, let asset = assets[request.uri.path] else {
            return try await next(request, context)
        }
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=300"]
        if request.headers[.ifNoneMatch] == asset.etag { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(asset.body.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: request.method == .head ? ByteBuffer() : asset.body))
    }
}
