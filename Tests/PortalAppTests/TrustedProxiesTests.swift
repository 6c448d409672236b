import PortalAuth
import Testing

@Suite("Trusted proxies and the client's address")
struct TrustedProxiesTests {
    static let proxies = try! TrustedProxies.parse(["10.0.0.5", "192.168.0.0/16", "fd00::/8"]).get()

    @Test(arguments: [
        // (peer, X-Forwarded-For headers, the client)
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  // an untrusted peer's header is ignored
        ("10.0.0.5", [], "10.0.0.5"),  // a trusted proxy that says nothing is the client
        ("10.0.0.5", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.5", ["198.51.100.1, 192.168.3.4"], "198.51.100.1"),  // trusted hops are skipped
        ("10.0.0.5", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  // what the client wrote on the left does not count
        ("10.0.0.5", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  // several headers read as one list, in order
        ("10.0.0.5", ["192.168.1.1, 192.168.2.2"], "192.168.1.1"),  // all trusted: the farthest
        ("10.0.0.5", ["198.51.100.1, not-an-address"], "10.0.0.5"),  // garbage stops the walk at the last good one
        ("10.0.0.5", ["198.51.100.1,, "], "198.51.100.1"),
        ("fd00::1", ["2001:db8::7"], "2001:db8::7"),
        ("10.0.0.6", ["198.51.100.1"], "10.0.0.6"),  // the next address is not trusted
        ("192.169.0.1", ["198.51.100.1"], "192.169.0.1"),  // outside the /16
    ])
    func client(_ peer: String, _ headers: [String], _ expected: String) {
        #expect(Self.proxies.client(peer: peer, forwardedFor: headers) == expected)
    }

    @Test func noTrustedProxy_alwaysThePeer() {
        #expect(TrustedProxies.none.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.1"]) == "127.0.0.1")
        #expect(TrustedProxies.none.client(peer: nil, forwardedFor: ["198.51.100.1"]) == nil)
    }

    @Test(arguments: ["", "10.0.0", "10.0.0.256", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "fd00::/129", "nginx", "10.0.0.1/8/8"])
    func parse_refusesWhatIsNotAnAddressOrNetwork(_ entry: String) {
        #expect(throws: TrustedProxies.InvalidProxy(entry: entry)) { try TrustedProxies.parse(["10.0.0.1", entry]).get() }
    }

    @Test(arguments: [("0.0.0.0/0", "8.8.8.8", true), ("10.1.2.3/32", "10.1.2.3", true), ("10.1.2.3/32", "10.1.2.4", false),
                      ("10.1.2.0/23", "10.1.3.255", true), ("10.1.2.0/23", "10.1.4.0", false), ("::1", "::1", true), ("::1", "127.0.0.1", false)])
    func trusts(_ network: String, _ address: String, _ expected: Bool) throws {
        #expect(try TrustedProxies.parse([network]).get().trusts(address) == expected)
    }
}
