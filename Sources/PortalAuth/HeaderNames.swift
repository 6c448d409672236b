package import HTTPTypes

extension HTTPField.Name {
    /// A header name from a literal known to be valid.
    package static func literal(_ text: StaticString) -> HTTPField.Name {
        guard let name = HTTPField.Name(text.description) else { preconditionFailure("invalid header name literal \(text)") }
        return name
    }

    /// OpenStack's token header.
    package static let xAuthToken = literal("X-Auth-Token")
    /// OpenStack's request ID header.
    package static let xOpenstackRequestID = literal("X-Openstack-Request-Id")
    /// Glance's declared upload size.
    package static let xOpenstackImageSize = literal("X-Openstack-Image-Size")
    /// Glance's checksum header (hex MD5, as Glance sends it).
    package static let contentMD5 = literal("Content-MD5")
    /// The addresses a request passed through, appended by each proxy.
    package static let xForwardedFor = literal("X-Forwarded-For")
    /// Swift's object timestamp header.
    package static let xTimestamp = literal("X-Timestamp")
}
