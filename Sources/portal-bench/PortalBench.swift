import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `portal-bench`: load figures against a live ImagePortal, printed beside this machine's own
/// ceilings (measured by scripts/bench.sh in the same run) and the targets of the issues.
@main
struct PortalBench: AsyncParsableCommand {
    @Option(help: "Server base URL.") var url: String
    @Option(name: .customLong("owner-token")) var ownerToken: String
    @Option(name: .customLong("consumer-token")) var consumerToken: String
    @Option(name: .customLong("consumer-ddi")) var consumerDDI: String
    @Option(name: .customLong("member-tokens"), help: "File of 'DDI TOKEN' lines for member add+accept cycles.") var memberTokens: String
    @Option(name: .customLong("server-pid")) var serverPID: Int
    @Option(name: .customLong("upload-mib")) var uploadMiB: Int = 1024
    @Option(name: .customLong("disk-mbps"), help: "dd conv=fdatasync of the same size into the data dir, MB/s.") var diskMBps: Double = 0
    @Option(name: .customLong("md5-mbps")) var md5MBps: Double = 0
    @Option(name: .customLong("sha512-mbps")) var sha512MBps: Double = 0
    @Option(name: .customLong("loopback-mbps"), help: "curl of a static file over loopback, MB/s.") var loopbackMBps: Double = 0
    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        if let second = cluster.secondURL {
            try await ClusterBench(options: cluster, first: url, second: second, ownerToken: ownerToken, memberTokens: memberTokens, serverPID: serverPID, uploadMiB: uploadMiB).run()
            return
        }
        let client = HTTPClient.shared
        let api = API(client: client, base: url)
        var report = Report()
        report.line("ImagePortal benchmark — \(Date())")
        report.line(String(format: "Machine ceilings (same run): disk write+fdatasync %.0f MB/s · MD5 %.0f MB/s · SHA-512 %.0f MB/s%@", diskMBps, md5MBps, sha512MBps, loopbackMBps > 0 ? String(format: " · loopback HTTP (curl, static file) %.0f MB/s", loopbackMBps) : ""))
        let serialDigests = 1 / (1 / md5MBps + 1 / sha512MBps)
        report.line(String(format: "  (MD5 and SHA-512 one after the other on one core: %.0f MB/s; the pipeline runs them on separate threads)", serialDigests))
        report.line("")

        // Warm-up: one small transfer each way, so thread pools and allocators are not measured starting.
        let warm = try await api.createImage(token: ownerToken, name: "bench-warm-up")
        _ = try await api.upload(version: "v2", id: warm, token: ownerToken, bytes: 64 << 20)
        _ = try await api.download(version: "v2", id: warm, token: ownerToken, expected: 64 << 20)
        let rssBefore = Memory.rss(pid: serverPID)
        let bytes = Int64(uploadMiB) << 20
        for version in ["v2", "v1"] {
            let id = try await api.createImage(token: ownerToken, name: "bench-\(version)-\(uploadMiB)MiB")
            let up = try await api.upload(version: version, id: id, token: ownerToken, bytes: bytes)
            let upMBps = Double(bytes) / 1e6 / up
            report.figure(
                "upload \(uploadMiB) MiB (\(version), chunked, durable)", String(format: "%.0f MB/s", upMBps),
                ceiling: String(format: "%.0f%% of the disk's fdatasync ceiling", upMBps / diskMBps * 100),
                target: "≥ 250 MB/s on a ~300 MB/s disk (≥ 83% of the ceiling)", met: upMBps / diskMBps >= 0.83 || upMBps >= 250)
            let down = try await api.download(version: version, id: id, token: ownerToken, expected: bytes)
            let downMBps = Double(bytes) / 1e6 / down
            report.figure(
                "download \(uploadMiB) MiB (\(version))", String(format: "%.0f MB/s", downMBps),
                ceiling: loopbackMBps > 0 ? String(format: "%.0f%% of curl's loopback ceiling", downMBps / loopbackMBps * 100) : "",
                target: "≥ 1500 MB/s", met: downMBps >= 1500)
        }
        let peak = Memory.peak(pid: serverPID)
        report.figure(
            "server RSS during the transfers", String(format: "peak %.0f MiB (%.0f MiB before)", peak, rssBefore), ceiling: "",
            target: "< 100 MiB", met: peak < 100)

        // Creates per second: 16 concurrent clients.
        let createCount = 4000
        let createTime = try await Load.run(count: createCount, concurrency: 16) { index in
            _ = try await api.createImage(token: ownerToken, name: "c\(index)")
        }
        let createsPerSecond = Double(createCount) / createTime
        report.figure("image creates (16 concurrent)", String(format: "%.0f /s", createsPerSecond), ceiling: "", target: "≥ 1000 /s", met: createsPerSecond >= 1000)

        // List latency: the owner's list with 1,000 images of a fresh tenant, then 10,000.
        let lister = try await api.freshTenantToken(from: memberTokens, skip: 0)
        try await api.seed(token: lister, count: 1000)
        for (count, label) in [(1000, "1,000"), (10_000, "10,000")] {
            if count == 10_000 { try await api.seed(token: lister, count: 9000) }
            for limit in [25, 1000] {
                let samples = try Load.latencies(url: url, path: "/image/v2/images?limit=\(limit)", token: lister, count: limit == 25 ? 500 : 100)
                let target = limit == 25 ? 2.0 : 40.0
                report.figure(
                    "list p50/p99, limit \(limit), \(label) images", String(format: "%.2f / %.2f ms", samples.p50, samples.p99), ceiling: "",
                    target: String(format: "p50 ≤ %.0f ms", target), met: samples.p50 <= target)
            }
        }

        // Member add + accept cycles: the owner adds, the consumer accepts.
        let members = try Load.memberTokens(memberTokens).dropFirst()
        let images = try await Load.collect(count: 20) { index in try await api.createImage(token: ownerToken, name: "share\(index)") }
        var cycles: [(String, String, String)] = []
        for image in images { for (ddi, token) in members { cycles.append((image, ddi, token)) } }
        let cycleList = cycles
        let cycleTime = try await Load.run(count: cycleList.count, concurrency: 8) { index in
            let (image, ddi, token) = cycleList[index]
            try await api.post("/image/v2/images/\(image)/members", token: ownerToken, json: "{\"member\": \"\(ddi)\"}")
            try await api.put("/image/v2/images/\(image)/members/\(ddi)", token: token, json: "{\"status\": \"accepted\"}")
        }
        let cyclesPerSecond = Double(cycleList.count) / cycleTime
        report.figure(
            "member add + accept cycles (8 concurrent)", String(format: "%.0f /s", cyclesPerSecond), ceiling: "", target: "≥ 500 /s",
            met: cyclesPerSecond >= 500)

        // A consumer with 1,000 images shared to it (accepted).
        let shared = try await Load.collect(count: 1000) { index in try await api.createImage(token: ownerToken, name: "to-consumer-\(index)") }
        _ = try await Load.run(count: shared.count, concurrency: 8) { index in
            try await api.post("/image/v2/images/\(shared[index])/members", token: ownerToken, json: "{\"member\": \"\(consumerDDI)\"}")
            try await api.put("/image/v2/images/\(shared[index])/members/\(consumerDDI)", token: consumerToken, json: "{\"status\": \"accepted\"}")
        }
        for limit in [25, 1000] {
            let samples = try Load.latencies(url: url, path: "/image/v2/images?limit=\(limit)", token: consumerToken, count: limit == 25 ? 500 : 100)
            report.figure(
                "consumer list p50/p99, limit \(limit), 1,000 images shared to it", String(format: "%.2f / %.2f ms", samples.p50, samples.p99),
                ceiling: "", target: limit == 25 ? "p50 ≤ 2 ms" : "p50 ≤ 40 ms", met: samples.p50 <= (limit == 25 ? 2 : 40))
        }
        report.line("")
        report.line("Latencies and downloads: a minimal keep-alive socket client (reads and discards, like curl); uploads and load phases: AsyncHTTPClient, on the same two cores.")
        report.line("For scale (issue 3): OpenStack Glance on this kind of machine did 98 MiB/s up, 370 MiB/s down, 21 creates/s, list p50 38 ms (25) and 1 s (1000); 21 member cycles/s.")
        print(report.text)
    }
}

/// The report.
struct Report {
    var text = ""
    mutating func line(_ line: String) { text += line + "\n" }

    mutating func figure(_ name: String, _ value: String, ceiling: String, target: String, met: Bool) {
        let pad = name.padding(toLength: 58, withPad: " ", startingAt: 0)
        line("\(pad) \(value.padding(toLength: 26, withPad: " ", startingAt: 0)) target \(target): \(met ? "met" : "MISSED")\(ceiling.isEmpty ? "" : " · " + ceiling)")
    }
}

/// Peak and current RSS of the server from /proc.
enum Memory {
    static func field(_ name: String, pid: Int) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
            return kb / 1024
        }
        return 0
    }

    static func rss(pid: Int) -> Double { field("VmRSS", pid: pid) }
    static func peak(pid: Int) -> Double { field("VmHWM", pid: pid) }
}

/// Concurrency helpers.
enum Load {
    /// Runs `count` jobs on `concurrency` workers; returns the elapsed seconds.
    static func run(count: Int, concurrency: Int, _ job: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        let next = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while let index = next.take(below: count) { try await job(index) }
                }
            }
            try await group.waitForAll()
        }
        return seconds(ContinuousClock.now - start)
    }

    /// Runs jobs concurrently and collects their results in order.
    static func collect(count: Int, _ job: @escaping @Sendable (Int) async throws -> String) async throws -> [String] {
        let results = ResultBox(count: count)
        _ = try await run(count: count, concurrency: 8) { index in results.set(index, try await job(index)) }
        return results.values
    }

    struct Latencies {
        let p50: Double
        let p99: Double
    }

    /// Sequential request latencies (ms) over one keep-alive connection, after a warm-up.
    static func latencies(url: String, path: String, token: String, count: Int) throws -> Latencies {
        let port = Int(url.split(separator: ":").last ?? "80") ?? 80
        let connection = try RawHTTP(host: "127.0.0.1", port: port)
        for _ in 0..<20 { _ = try connection.get(path, token: token) }
        var samples: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            let (status, _) = try connection.get(path, token: token)
            samples.append(seconds(ContinuousClock.now - start) * 1000)
            guard status == 200 else { throw RawHTTP.Failure(description: "GET \(path) → \(status)") }
        }
        samples.sort()
        return Latencies(p50: samples[samples.count / 2], p99: samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))])
    }

    static func memberTokens(_ path: String) throws -> [(String, String)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

final class ResultBox: @unchecked Sendable {
    private var storage: [String]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: "", count: count) }
    func set(_ index: Int, _ value: String) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }
    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

/// The HTTP calls the benchmark makes.
struct API: Sendable {
    let client: HTTPClient
    let base: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let response = try await client.execute(request, timeout: .seconds(600))
        guard (200..<300).contains(Int(response.status.code)) else {
            let body = try await response.body.collect(upTo: 1 << 16)
            throw Failure(description: "\(request.method) \(request.url) → \(response.status.code) \(String(buffer: body))")
        }
        return response
    }

    private func request(_ path: String, method: HTTPMethod, token: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "X-Auth-Token", value: token)
        return request
    }

    func get(_ path: String, token: String) async throws {
        let response = try await send(request(path, method: .GET, token: token))
        _ = try await response.body.collect(upTo: 64 << 20)
    }

    func post(_ path: String, token: String, json: String) async throws {
        var request = request(path, method: .POST, token: token)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        _ = try await send(request).body.collect(upTo: 1 << 20)
    }

    func put(_ path: String, token: String, json: String) async throws {
        var request = request(path, method: .PUT, token: token)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        _ = try await send(request).body.collect(upTo: 1 << 20)
    }

    func createImage(token: String, name: String) async throws -> String {
        var request = request("/image/v2/images", method: .POST, token: token)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "{\"name\": \"\(name)\", \"disk_format\": \"raw\", \"container_format\": \"bare\"}"))
        let body = try await send(request).body.collect(upTo: 1 << 20)
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any], let id = object["id"] as? String else {
            throw Failure(description: "create answered without an id")
        }
        return id
    }

    /// Seeds `count` images for a tenant (16 concurrent creates).
    func seed(token: String, count: Int) async throws {
        _ = try await Load.run(count: count, concurrency: 16) { index in _ = try await createImage(token: token, name: "seed-\(index)") }
    }

    /// The first listed token that is not used elsewhere (a fresh tenant for the list figures).
    func freshTenantToken(from path: String, skip: Int) async throws -> String {
        guard let first = try Load.memberTokens(path).dropFirst(skip).first else { throw Failure(description: "no tokens in \(path)") }
        return first.1
    }

    /// Streams `bytes` of pseudo-random data (a 1 MiB block repeated) as a chunked upload; returns seconds.
    func upload(version: String, id: String, token: String, bytes: Int64) async throws -> Double {
        var block = ByteBufferAllocator().buffer(capacity: 1 << 20)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<(1 << 17) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            block.writeInteger(state)
        }
        var request = request(version == "v2" ? "/image/v2/images/\(id)/file" : "/image/v1/images/\(id)", method: .PUT, token: token)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(Blocks(block: block, count: Int(bytes >> 20)), length: .unknown)
        let start = ContinuousClock.now
        _ = try await send(request).body.collect(upTo: 1 << 20)
        return Load.seconds(ContinuousClock.now - start)
    }

    /// Downloads over the minimal client (like curl: read and discard), counting the bytes; returns seconds.
    func download(version: String, id: String, token: String, expected: Int64) async throws -> Double {
        let port = Int(base.split(separator: ":").last ?? "80") ?? 80
        let connection = try RawHTTP(host: "127.0.0.1", port: port)
        let start = ContinuousClock.now
        let total = try connection.download(version == "v2" ? "/image/v2/images/\(id)/file" : "/image/v1/images/\(id)", token: token)
        let elapsed = Load.seconds(ContinuousClock.now - start)
        guard total == expected else { throw Failure(description: "downloaded \(total) bytes, expected \(expected)") }
        return elapsed
    }
}

/// The same 1 MiB block, `count` times.
struct Blocks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let block: ByteBuffer
    let count: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        let block: ByteBuffer
        var remaining: Int
        mutating func next() async -> ByteBuffer? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            return block
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(block: block, remaining: count) }
}
