import COpenSSL

/// The message digests the portal uses, all computed by the system OpenSSL libcrypto.
package enum DigestAlgorithm: Sendable {
    case md5, sha256, sha512

    fileprivate var evp: OpaquePointer? {
        switch self {
        case .md5: EVP_md5()
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        }
    }

    /// Length of the digest in bytes.
    package var byteCount: Int {
        switch self {
        case .md5: 16
        case .sha256: 32
        case .sha512: 64
        }
    }
}

/// A streaming digest: `update` any number of times, then `finalize` once.
///
/// It wraps an `EVP_MD_CTX`. It is not thread-safe: confine each instance to one task or one
/// serial queue at a time (the upload pipeline hands it from buffer to buffer on a serial queue).
package final class Digest: @unchecked Sendable {
    private let context: OpaquePointer
    private var finalized = false
    /// The algorithm this digest computes.
    package let algorithm: DigestAlgorithm

    /// Starts a new digest.
    package init(_ algorithm: DigestAlgorithm) {
        guard let context = EVP_MD_CTX_new() else {
            // Allocation failure inside libcrypto: nothing sensible can continue.
            preconditionFailure("EVP_MD_CTX_new failed (out of memory)")
        }
        self.context = context
        self.algorithm = algorithm
        EVP_DigestInit_ex(context, algorithm.evp, nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds raw bytes.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finalized, "Digest updated after finalize")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Feeds the bytes of an array.
    package func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 bytes of a string.
    package func update(_ string: String) {
        var string = string
        string.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Ends the digest and returns it. Call once.
    package func finalize() -> [UInt8] {
        precondition(!finalized, "Digest finalized twice")
        finalized = true
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        out.withUnsafeMutableBufferPointer { buffer in
            _ = EVP_DigestFinal_ex(context, buffer.baseAddress, &length)
        }
        return Array(out.prefix(Int(length)))
    }

    /// One-shot digest of `bytes`.
    package static func hash(_ algorithm: DigestAlgorithm, _ bytes: [UInt8]) -> [UInt8] {
        let digest = Digest(algorithm)
        digest.update(bytes)
        return digest.finalize()
    }

    /// One-shot digest of the UTF-8 bytes of `string`.
    package static func hash(_ algorithm: DigestAlgorithm, _ string: String) -> [UInt8] {
        hash(algorithm, Array(string.utf8))
    }
}
