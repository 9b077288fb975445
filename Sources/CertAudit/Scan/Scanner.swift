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
    public var batchSize = 512

    public init(walker: InputWalker, decoder: ContainerDecoder, auditor: Auditor) {
        self.walker = walker
        self.decoder = decoder
        self.auditor = auditor
    }

    /// Scans `roots` (`-` reads standard input) and returns the summary. `render` runs on the workers
    /// (it turns a file's report into output bytes); `sink` receives reports and their bytes in walk order.
    public func run(
        _ roots: [String], render: @escaping @Sendable (FileReport) -> [UInt8] = { _ in [] },
        sink: (FileReport, [UInt8]) -> Void
    ) -> ScanSummary {
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        let started = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
        var summary = ScanSummary()
        var batch: [WalkItem] = []
        batch.reserveCapacity(batchSize)
        func flush() {
            for (report, rendered) in process(batch, render: render) {
                summary.add(report)
                sink(report, rendered)
            }
            batch.removeAll(keepingCapacity: true)
        }
        for root in roots {
            if root == "-" {
                flush()
                let report = readStandardInput()
                summary.add(report)
                sink(report, render(report))
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

    func process(_ items: [WalkItem], render: @escaping @Sendable (FileReport) -> [UInt8]) -> [(FileReport, [UInt8])] {
        guard !items.isEmpty else { return [] }
        let results = ResultSlots(count: items.count)
        let work: @Sendable (Int) -> Void = { index in
            let report = report(for: items[index])
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
        case .file(let path):
            switch FileReader.load(path: path, limit: walker.options.maxFileSize) {
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
    private let slots: UnsafeMutableBufferPointer<(FileReport, [UInt8])?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ index: Int, _ result: (FileReport, [UInt8])) {
        slots[index] = result
    }

    func collect() -> [(FileReport, [UInt8])] {
        slots.map { $0! }
    }
}
