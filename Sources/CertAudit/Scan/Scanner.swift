import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The scan pipeline: walk → batches of files read, decoded, parsed and audited on all cores → reports
/// handed to `sink` in walk order. Only one batch of results is in memory at a time.
public struct Scanner: Sendable {
    public var walker: InputWalker
    public var decoder: ContainerDecoder
    public var auditor: Auditor
    /// Baseline and waivers, applied to every file's findings on the workers.
    public var policy: FindingPolicy?
    /// Bound for each step (connect, handshake) with a `tls://` endpoint.
    public var endpointTimeoutMilliseconds = 10_000
    public var batchSize = 512

    public init(walker: InputWalker, decoder: ContainerDecoder, auditor: Auditor) {
        self.walker = walker
        self.decoder = decoder
        self.auditor = auditor
    }

    /// Scans `roots` (`-` reads standard input) and returns the summary. `renderers` run on the workers
    /// (each turns a file's report into one report format's bytes); `sink` receives reports and their
    /// bytes (one array per renderer) in walk order, on a delivery thread that overlaps the next batch's
    /// work (one batch waits at most).
    public func run(
        _ roots: [String], renderers: [@Sendable (FileReport) -> [UInt8]] = [],
        sink: (FileReport, [[UInt8]]) -> Void
    ) -> ScanSummary {
        let render: @Sendable (FileReport) -> [[UInt8]] = { report in renderers.map { $0(report) } }
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        let started = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
        var summary = withoutActuallyEscaping(sink) { sink in
            let delivery = Delivery(sink: sink)
            var batch: [WalkItem] = []
            batch.reserveCapacity(batchSize)
            func flush() {
                guard !batch.isEmpty else { return }
                delivery.deliver(process(batch, render: render))
                batch.removeAll(keepingCapacity: true)
            }
            for root in roots {
                if root == "-" || TLSEndpoint(argument: root) != nil {
                    flush()
                    var report: FileReport
                    if let endpoint = TLSEndpoint(argument: root) {
                        report = auditor.audit(
                            endpoint.fetch(timeoutMilliseconds: endpointTimeoutMilliseconds), path: endpoint.display)
                    } else {
                        report = readStandardInput()
                    }
                    policy?.apply(to: &report)
                    delivery.deliver([(report, render(report))])
                    continue
                }
                walker.walk([root]) { item in
                    batch.append(item)
                    if batch.count >= batchSize {
                        flush()
                    }
                }
            }
            flush()
            return delivery.finish()
        }
        clock_gettime(CLOCK_MONOTONIC, &clock)
        summary.elapsedSeconds = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9 - started
        return summary
    }

    private func readStandardInput() -> FileReport {
        switch FileReader.readAll(STDIN_FILENO, expected: 64 * 1024, limit: walker.options.maxFileSize) {
        case .bytes(let bytes):
            return auditor.audit(bytes: bytes, path: "-", decoder: decoder)
        case .tooLarge(let size):
            var report = FileReport(path: "-")
            report.skipReason = "larger than --max-file-size (\(size) bytes or more)"
            return report
        case .failed(let reason):
            var report = FileReport(path: "-")
            report.problems.append(reason)
            return report
        }
    }

    func process(_ items: [WalkItem], render: @escaping @Sendable (FileReport) -> [[UInt8]]) -> [(FileReport, [[UInt8]])] {
        guard !items.isEmpty else { return [] }
        let results = ResultSlots(count: items.count)
        let work: @Sendable (Int) -> Void = { index in
            var report = report(for: items[index])
            if let policy {
                policy.apply(to: &report)
            }
            results.store(index, (report, render(report)))
        }
        if items.count == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: items.count, execute: work)
        }
        return results.collect()
    }

    func report(for item: WalkItem) -> FileReport {
        switch item {
        case .skipped(let path, let reason):
            var report = FileReport(path: path)
            report.skipReason = reason
            return report
        case .failed(let path, let reason):
            var report = FileReport(path: path)
            report.problems.append(reason)
            return report
        case .file(let path, let inTree):
            let noFollow = inTree && !walker.options.followSymlinks
            switch FileReader.load(path: path, limit: walker.options.maxFileSize, noFollow: noFollow) {
            case .bytes(let bytes):
                return auditor.audit(bytes: bytes, path: path, decoder: decoder)
            case .tooLarge(let size):
                var report = FileReport(path: path)
                report.skipReason = "larger than --max-file-size (\(size) bytes)"
                return report
            case .failed(let reason):
                var report = FileReport(path: path)
                report.problems.append(reason)
                return report
            }
        }
    }
}

/// Fixed slots that concurrent workers fill by index; each slot is written by exactly one worker and
/// read only after `concurrentPerform` returns. Raw memory, so no array is mutated from two threads.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<(FileReport, [[UInt8]])?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ index: Int, _ result: (FileReport, [[UInt8]])) {
        slots[index] = result
    }

    func collect() -> [(FileReport, [[UInt8]])] {
        slots.map { $0! }
    }
}

/// Hands finished batches to the report sink on one serial thread, in order, while the next batch is
/// being processed. At most one batch waits, so memory stays bounded.
private final class Delivery: @unchecked Sendable {
    // `sink` and `summary` are only touched on `queue`; `finish` waits for the queue before reading.
    private let queue = DispatchQueue(label: "certaudit.scan.delivery")
    private let slot = DispatchSemaphore(value: 1)
    private let sink: (FileReport, [[UInt8]]) -> Void
    private var summary = ScanSummary()

    init(sink: @escaping (FileReport, [[UInt8]]) -> Void) {
        self.sink = sink
    }

    func deliver(_ results: [(FileReport, [[UInt8]])]) {
        slot.wait()
        queue.async {
            for (report, rendered) in results {
                self.summary.add(report)
                self.sink(report, rendered)
            }
            self.slot.signal()
        }
    }

    func finish() -> ScanSummary {
        queue.sync { summary }
    }
}
