package import Hummingbird
package import PortalAuth
import PortalDomain
package import PortalStorage

/// Image data: streamed uploads (`PUT .../file`) and downloads with single ranges (`GET .../file`).
package struct ImageDataController: Sendable {
    let data: ImageDataService

    package init(data: ImageDataService) { self.data = data }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.put("images/:imageID/file", use: upload)
        group.get("images/:imageID/file", use: download)
        group.rejectOtherMethods("images/:imageID/file", allowed: [.get, .put])
    }

    @Sendable func upload(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        if let type = APISupport.mediaType(request), type != "application/octet-stream" {
            throw DomainError.unsupportedMediaType("Image data must be sent as application/octet-stream, not \(type.prefix(64)).")
        }
        var declared: Int64?
        if let text = request.headers[.xOpenstackImageSize] {
            guard let size = Int64(text), size >= 0 else { throw DomainError.invalid("Invalid or missing image size in request headers.") }
            declared = size
        }
        _ = try await data.upload(request.body, to: id, declaredSize: declared, declaredChecksum: nil, actor: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func download(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        var range: ByteRange?
        if let header = request.headers[.range] {
            guard let parsed = ByteRange.parse(header) else {
                let (image, _) = try await data.images.prepareDownload(id, for: context.principal)
                throw DomainError.rangeNotSatisfiable(size: image.size ?? 0)
            }
            range = parsed
        }
        guard let download = try await data.download(id, range: range, for: context.principal) else {
            return APISupport.empty(.noContent)
        }
        return ImageDataController.response(for: download)
    }

    /// The streamed response for a download (shared with the v1 API).
    package static func response(for download: ImageDataService.Download, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/octet-stream"
        headers[.contentMD5] = download.checksum
        headers[.acceptRanges] = "bytes"
        var status = HTTPResponse.Status.ok
        var length = download.size
        if let range = download.range {
            status = .partialContent
            length = range.upperBound - range.lowerBound + 1
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(download.size)"
        }
        headers[.contentLength] = String(length)
        guard let chunks = download.body else { return Response(status: status, headers: headers) }
        return Response(
            status: status, headers: headers,
            body: .streaming(chunks, length: length))
    }
}
