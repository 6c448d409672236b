import ArgumentParser
import AsyncHTTPClient
import Foundation

/// `make bench BACKEND=postgres+swift`: the figures of issue 14, taken against two instances of one
/// installation on PostgreSQL and Swift (scripts/bench-cluster.sh starts them and measures Swift's own
/// throughput with python-swiftclient in the same run).
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("second-url"), help: "A second instance of the same installation (cluster figures).") var secondURL: String?
    @Option(name: .customLong("swift-up-mbps"), help: "python-swiftclient upload of the same size, MB/s.") var swiftUpMBps: Double = 0
    @Option(name: .customLong("swift-up-sequential-mbps"), help: "The same, one segment at a time, MB/s.") var swiftUpSequentialMBps: Double = 0
    @Option(name: .customLong("swift-down-mbps"), help: "python-swiftclient download of the same size, MB/s.") var swiftDownMBps: Double = 0
    @Option(name: .customLong("lister-token"), help: "A tenant owning the 100,000 images the script put in PostgreSQL.") var listerToken: String?
    @Option(name: .customLong("images-in-database")) var imagesInDatabase: Int = 0
}

struct ClusterBench {
    let options: ClusterOptions
    let first: String
    let second: String
    let ownerToken: String
    let memberTokens: String
    let serverPID: Int
    let uploadMiB: Int

    func run() async throws {
        let one = API(client: .shared, base: first)
        let two = API(client: .shared, base: second)
        var report = Report()
        report.line("ImagePortal cluster benchmark (PostgreSQL + Swift) — \(Date())")
        report.line(
            String(
                format: "Ceiling (same run, same object and segment size): python-swiftclient %.0f MB/s up (%.0f MB/s one segment at a time), %.0f MB/s down",
                options.swiftUpMBps, options.swiftUpSequentialMBps, options.swiftDownMBps))
        report.line("")

        let warm = try await one.createImage(token: ownerToken, name: "bench-warm-up")
        _ = try await one.upload(version: "v2", id: warm, token: ownerToken, bytes: 64 << 20)
        _ = try await two.download(version: "v2", id: warm, token: ownerToken, expected: 64 << 20)
        let bytes = Int64(uploadMiB) << 20
        let id = try await one.createImage(token: ownerToken, name: "bench-\(uploadMiB)MiB")
        let upMBps = Double(bytes) / 1e6 / (try await one.upload(version: "v2", id: id, token: ownerToken, bytes: bytes))
        report.figure(
            "upload \(uploadMiB) MiB (v2, chunked) into Swift", String(format: "%.0f MB/s", upMBps),
            ceiling: String(
                format: "%.0f%% of python-swiftclient's, %.0f%% of its one-segment-at-a-time upload", upMBps / options.swiftUpMBps * 100,
                upMBps / options.swiftUpSequentialMBps * 100), target: "≥ 85% of the ceiling", met: upMBps / options.swiftUpMBps >= 0.85)
        let downMBps = Double(bytes) / 1e6 / (try await two.download(version: "v2", id: id, token: ownerToken, expected: bytes))
        report.figure(
            "download \(uploadMiB) MiB (v2) from Swift, other instance", String(format: "%.0f MB/s", downMBps),
            ceiling: String(format: "%.0f%% of python-swiftclient's", downMBps / options.swiftDownMBps * 100), target: "≥ 85% of the ceiling",
            met: downMBps / options.swiftDownMBps >= 0.85)
        report.figure(
            "server RSS during the transfers (first instance)", String(format: "peak %.0f MiB", Memory.peak(pid: serverPID)), ceiling: "",
            target: "< 100 MiB", met: Memory.peak(pid: serverPID) < 100)

        // Creates and member cycles per second: 16 (8) concurrent clients on one instance, then the
        // same clients spread over both.
        let apis = [one, two]
        var creates: [Double] = []
        for instances in [1, 2] {
            let count = 3000
            let time = try await Load.run(count: count, concurrency: 16) { index in
                _ = try await apis[index % instances].createImage(token: ownerToken, name: "c\(instances)-\(index)")
            }
            creates.append(Double(count) / time)
            report.figure(
                "image creates (16 concurrent), \(instances) instance\(instances == 1 ? "" : "s")", String(format: "%.0f /s", creates.last ?? 0), ceiling: "",
                target: instances == 1 ? "(reference)" : "≥ 1.6× one instance", met: instances == 1 || (creates[1] / creates[0]) >= 1.6)
        }
        report.line(String(format: "  two instances / one: %.2f×", creates[1] / creates[0]))
        let members = Array(try Load.memberTokens(memberTokens).dropFirst())
        var cycles: [Double] = []
        for instances in [1, 2] {
            let images = try await Load.collect(count: 10) { index in try await one.createImage(token: ownerToken, name: "share\(instances)-\(index)") }
            // Interleaved, so concurrent cycles touch different images, as different tenants' work does.
            var work: [(String, String, String)] = []
            for (ddi, token) in members { for image in images { work.append((image, ddi, token)) } }
            let jobs = work
            let time = try await Load.run(count: jobs.count, concurrency: 8) { index in
                let (image, ddi, token) = jobs[index]
                let api = apis[index % instances]
                try await api.post("/image/v2/images/\(image)/members", token: ownerToken, json: "{\"member\": \"\(ddi)\"}")
                try await apis[(index + 1) % instances].put("/image/v2/images/\(image)/members/\(ddi)", token: token, json: "{\"status\": \"accepted\"}")
            }
            cycles.append(Double(jobs.count) / time)
            report.figure(
                "member add + accept cycles (8 concurrent), \(instances) instance\(instances == 1 ? "" : "s")", String(format: "%.0f /s", cycles.last ?? 0),
                ceiling: "", target: instances == 1 ? "(reference)" : "≥ 1.6× one instance", met: instances == 1 || (cycles[1] / cycles[0]) >= 1.6)
        }
        report.line(String(format: "  two instances / one: %.2f×", cycles[1] / cycles[0]))

        if let lister = options.listerToken {
            for limit in [25, 1000] {
                let samples = try Load.latencies(url: first, path: "/image/v2/images?limit=\(limit)", token: lister, count: limit == 25 ? 500 : 100)
                let target = limit == 25 ? 5.0 : 60.0
                report.figure(
                    "list p50/p99, limit \(limit), \(options.imagesInDatabase) images in PostgreSQL", String(format: "%.2f / %.2f ms", samples.p50, samples.p99),
                    ceiling: "", target: String(format: "p50 ≤ %.0f ms", target), met: samples.p50 <= target)
            }
        }
        report.line("")
        report.line("Clients: AsyncHTTPClient for uploads and load, a minimal keep-alive socket client for downloads and latencies; the instances,")
        report.line("PostgreSQL 15, the one-machine Swift and the clients share this machine's cores.")
        print(report.text)
    }
}
