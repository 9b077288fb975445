import Foundation
import Testing
@testable import CertAudit

/// The scan holds input bytes in flight up to a limit, not a number of files; reports still come out
/// in input order, and a slow input does not hold the others' work back beyond the limit.
@Suite struct ScanPipelineTests {
    /// A PEM bundle of `count` copies of good-rsa.crt.
    static func bundle(count: Int, at path: String) throws -> Int {
        let one = try String(contentsOfFile: Fixtures.samples + "/tls/good-rsa.crt", encoding: .utf8)
        Fixtures.write(String(repeating: one, count: count), to: path)
        return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    @Test func bytesInFlightStayUnderTheLimitWhateverTheFileCount() throws {
        // 64 hard links to one bundle (the shape that peaked at 2.7 GB with 512 files per batch).
        let folder = Fixtures.temporaryDirectory()
        let size = try Self.bundle(count: 100, at: folder + "/bundle.pem")
        for index in 1..<64 {
            try FileManager.default.linkItem(atPath: folder + "/bundle.pem", toPath: folder + "/link-\(index).pem")
        }
        var scanner = AuditPipeline(
            walker: InputWalker(options: WalkOptions()), decoder: ContainerDecoder(), auditor: Fixtures.auditor(profiles: []))
        scanner.inFlightByteLimit = 4 * size
        var order: [String] = []
        var certificates = 0
        let summary = scanner.run([.path(folder)]) { report, _ in
            order.append(report.path)
            certificates += report.certificates.count
        }
        #expect(certificates == 64 * 100)
        #expect(order == order.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "reports in walk order")
        #expect(summary.peakInFlightBytes <= 5 * size, "peak \(summary.peakInFlightBytes) for a limit of \(4 * size)")
        #expect(summary.peakInFlightBytes >= size)
    }

    @Test func aFileLargerThanTheLimitStillGoesThroughAlone() throws {
        let folder = Fixtures.temporaryDirectory()
        let size = try Self.bundle(count: 50, at: folder + "/big.pem")
        Fixtures.write(BadInputTests.goodPEM, to: folder + "/small.pem")
        var scanner = AuditPipeline(
            walker: InputWalker(options: WalkOptions()), decoder: ContainerDecoder(), auditor: Fixtures.auditor(profiles: []))
        scanner.inFlightByteLimit = size / 10
        var counts: [Int] = []
        let summary = scanner.run([.path(folder)]) { report, _ in counts.append(report.certificates.count) }
        #expect(counts == [50, 1])
        #expect(summary.peakInFlightBytes <= size + size / 10)
    }

    @Test func endpointsStandardInputAndFilesKeepTheirArgumentOrder() throws {
        let closed = TLSEndpointTests.freePort()
        var scanner = AuditPipeline(
            walker: InputWalker(options: WalkOptions()), decoder: ContainerDecoder(), auditor: Fixtures.auditor(profiles: []))
        scanner.endpointTimeoutMilliseconds = 1000
        var paths: [String] = []
        let inputs = try ScanInput.parse([
            Fixtures.samples + "/tls/good-rsa.crt", "tls://127.0.0.1:\(closed)", Fixtures.samples + "/tls/good-ec-p256.crt",
        ])
        #expect(inputs[1] == .endpoint(TLSEndpoint(argument: "tls://127.0.0.1:\(closed)")!))
        var origins: [InputResult.Origin] = []
        _ = scanner.run(inputs) { report, _ in
            paths.append(report.path)
            origins.append(report.origin)
        }
        #expect(origins == [.file, .endpoint, .file])
        #expect(paths == [
            Fixtures.samples + "/tls/good-rsa.crt", "tls://127.0.0.1:\(closed)", Fixtures.samples + "/tls/good-ec-p256.crt",
        ])
    }
}
