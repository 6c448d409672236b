/// Every way a rule can refuse a request, named by intent rather than by HTTP status.
///
/// The one mapping to HTTP statuses lives in `PortalAuth` (`DomainError.httpStatus`), shared by
/// the API and the web portal so that both answer the same way.
package enum DomainError: Error, Equatable, Sendable {
    /// The input is malformed or breaks a rule about values (HTTP 400).
    case invalid(String)
    /// No credentials, or credentials that are unknown, revoked or expired (HTTP 401).
    case unauthenticated(String)
    /// The caller may see the thing but may not do this to it (HTTP 403).
    case forbidden(String)
    /// The thing does not exist, or the caller may not know that it does (HTTP 404).
    case notFound(String)
    /// The request conflicts with the current state (duplicate, wrong status) (HTTP 409).
    case conflict(String)
    /// A size or count limit would be exceeded (HTTP 413).
    case tooLarge(String)
    /// The body's media type is not one this operation accepts (HTTP 415).
    case unsupportedMediaType(String)
    /// A byte range that cannot be satisfied (HTTP 416).
    case rangeNotSatisfiable(size: Int64)
    /// Too many attempts in a short time (HTTP 429).
    case rateLimited(String)
    /// The data does not match what the client declared about it, as Swift answers an ETag that
    /// does not match (HTTP 422).
    case unprocessable(String)

    /// The human-readable explanation, safe to show to the caller.
    package var message: String {
        switch self {
        case .invalid(let m), .unauthenticated(let m), .forbidden(let m), .notFound(let m),
            .conflict(let m), .tooLarge(let m), .unsupportedMediaType(let m), .rateLimited(let m), .unprocessable(let m):
            return m
        case .rangeNotSatisfiable(let size):
            return "The requested range is not satisfiable for \(size) bytes of data."
        }
    }
}
