import COpenSSL

/// HMAC-SHA256 (RFC 2104) through libcrypto's one-shot `HMAC`.
package enum HMACSHA256 {
    /// The MAC of `message` under `key` (32 bytes).
    package static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    _ = HMAC(
                        EVP_sha256(),
                        keyBytes.baseAddress, Int32(keyBytes.count),
                        messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                        outBuffer.baseAddress, &length)
                }
            }
        }
        return Array(out.prefix(Int(length)))
    }

    /// The MAC of the UTF-8 bytes of `message`.
    package static func mac(key: [UInt8], message: String) -> [UInt8] {
        mac(key: key, message: Array(message.utf8))
    }
}

/// Compares two byte strings in time that depends only on their lengths (`CRYPTO_memcmp`).
package func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { aBytes in
        b.withUnsafeBytes { bBytes in
            CRYPTO_memcmp(aBytes.baseAddress, bBytes.baseAddress, aBytes.count) == 0
        }
    }
}

/// Cryptographically secure random bytes from libcrypto's `RAND_bytes`.
package enum SecureRandom {
    /// Errors from the random generator.
    package struct Failure: Error, CustomStringConvertible {
        /// Why it failed.
        package var description: String { "RAND_bytes failed: the system random generator is not seeded" }
    }

    /// `count` random bytes.
    package static func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard ok == 1 else { throw Failure() }
        return out
    }
}
