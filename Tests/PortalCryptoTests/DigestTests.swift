import PortalCrypto
import Testing

@Suite("Digest")
struct DigestTests {
    /// RFC 1321 appendix A.5 test suite.
    static let md5Vectors: [(String, String)] = [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ]

    /// FIPS 180-2 appendix B examples (SHA-256) and the empty string.
    static let sha256Vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ]

    /// FIPS 180-2 appendix C examples (SHA-512) and the empty string.
    static let sha512Vectors: [(String, String)] = [
        ("", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
        ("abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
    ]

    @Test(arguments: md5Vectors)
    func md5_matchesRFC1321(input: String, expected: String) {
        #expect(ByteEncoding.hex(Digest.hash(.md5, input)) == expected)
    }

    @Test(arguments: sha256Vectors)
    func sha256_matchesFIPS180(input: String, expected: String) {
        #expect(ByteEncoding.hex(Digest.hash(.sha256, input)) == expected)
    }

    @Test(arguments: sha512Vectors)
    func sha512_matchesFIPS180(input: String, expected: String) {
        #expect(ByteEncoding.hex(Digest.hash(.sha512, input)) == expected)
    }

    @Test func sha256_millionAs_matchesFIPS180() {
        // Given the FIPS 180-2 "one million a" message fed in uneven pieces
        let digest = Digest(.sha256)
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var fed = 0
        while fed + piece.count <= 1_000_000 { digest.update(piece); fed += piece.count }
        digest.update([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000 - fed))
        // Then the streaming result is the published one
        #expect(ByteEncoding.hex(digest.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [DigestAlgorithm.md5, .sha256, .sha512])
    func streaming_equalsOneShot(algorithm: DigestAlgorithm) {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        let streaming = Digest(algorithm)
        for chunk in stride(from: 0, to: data.count, by: 777) {
            streaming.update(Array(data[chunk..<min(chunk + 777, data.count)]))
        }
        let result = streaming.finalize()
        #expect(result == Digest.hash(algorithm, data))
        #expect(result.count == algorithm.byteCount)
    }
}

@Suite("HMACSHA256")
struct HMACTests {
    /// RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (key hex, data hex, HMAC-SHA-256 hex).
    static let vectors: [(String, String, String)] = [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819",
         String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: vectors)
    func hmac_matchesRFC4231(keyHex: String, dataHex: String, expected: String) throws {
        let key = try #require(ByteEncoding.fromHex(keyHex))
        let data = try #require(ByteEncoding.fromHex(dataHex))
        #expect(ByteEncoding.hex(HMACSHA256.mac(key: key, message: data)) == expected)
    }

    @Test func constantTimeEquals_comparesContentAndLength() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
    }

    @Test func secureRandom_givesRequestedLengthAndVaries() throws {
        let a = try SecureRandom.bytes(32)
        let b = try SecureRandom.bytes(32)
        #expect(a.count == 32)
        #expect(a != b)
    }
}

@Suite("ByteEncoding")
struct ByteEncodingTests {
    /// RFC 4648 §10 vectors, in the unpadded url-safe form.
    static let base64Vectors: [(String, String)] = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test(arguments: base64Vectors)
    func base64url_roundTripsRFC4648(plain: String, encoded: String) {
        #expect(ByteEncoding.base64url(Array(plain.utf8)) == encoded)
        #expect(ByteEncoding.fromBase64url(encoded) == Array(plain.utf8))
    }

    @Test func base64url_usesUrlSafeAlphabet() {
        #expect(ByteEncoding.base64url([0xfb, 0xff]) == "-_8")
        #expect(ByteEncoding.fromBase64url("-_8") == [0xfb, 0xff])
    }

    @Test(arguments: ["a", "ab=c", "a+b/", "Zh"])
    func base64url_rejectsMalformed(text: String) {
        #expect(ByteEncoding.fromBase64url(text) == nil)
    }

    @Test func hex_roundTrips() {
        #expect(ByteEncoding.hex([0, 15, 255]) == "000fff")
        #expect(ByteEncoding.fromHex("000FfF") == [0, 15, 255])
        #expect(ByteEncoding.fromHex("0g") == nil)
        #expect(ByteEncoding.fromHex("abc") == nil)
    }
}
