import CCertAuditOpenSSL
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The scan pipeline: a walker thread lists inputs → workers on every core read, decode, parse, audit
/// and render each one → the calling thread hands each report to `sink` in input order as soon as it and
/// everything before it are done.
///
/// Memory is bounded by bytes, not by file count: a worker admits an input only while the bytes of the
/// inputs read but not yet delivered stay under `inFlightByteLimit` (the oldest undelivered input is
/// always admitted, so a single file larger than the limit still goes through, alone). A folder of 64
/// links to one 10 MB bundle therefore holds a few bundles at a time, not all of them.
public struct AuditPipeline: Sendable {
    public var walker: InputWalker
    public var decoder: ContainerDecoder
    public var auditor: Auditor
    /// Baseline and waivers, applied to every file's findings on the workers.
    public var policy: FindingPolicy?
    /// Bound for the whole exchange with one endpoint (resolution, connect, STARTTLS, every handshake).
    public var endpointTimeoutMilliseconds = 10_000
    /// Endpoints read at once (`--concurrency`), on threads of their own, while the workers judge files.
    public var endpointConcurrency = 64
    /// Besides the handshake with Chrome's offer, probe the key exchanges it did not settle
    /// (`tls.accepts.*`); off, an endpoint costs one handshake.
    public var endpointProbes = true
    /// Input bytes read but not yet delivered (each input counts at least `minimumInputCost`). A report
    /// with its renderings takes about seven times its input's bytes, so 16 MiB keeps the scan near 150 MB
    /// whatever the tree.
    public var inFlightByteLimit = 16 << 20
    /// Workers (default: one per core).
    public var workers = max(1, ProcessInfoCores.active)
    /// Keep each input's bytes and decoded container in its result (`InputResult.source`), for
    /// remediation. A scan never does: it would hold every input in memory.
    public var retainSources = false
    /// The facts cache (`--cache FILE`): read at the start, written anew at the end (`FactsCache`).
    public var cachePath: String?
    /// CRLs to judge certificates against (`--crl FILE|DIR`), besides the files named like CRLs in the
    /// scanned folders (`RevocationIndex.isNamedLikeCRL`), which are read first whenever this is on.
    public var crlPaths: [String] = []
    public var revocationChecks = true

    /// What an input is charged at least: bounds the number of small or empty inputs waiting behind a
    /// slow one.
    static let minimumInputCost = 4096
    /// What a live endpoint is charged (its chain and report are small; its wait may be long): 16 MiB
    /// then holds 512 endpoints read or being read, so one slow server does not stall the others.
    static let endpointCost = 32 * 1024
    /// After delivering an input at least this large, freed memory is returned to the system.
    static let trimThreshold = 1 << 20

    public init(walker: InputWalker, decoder: ContainerDecoder, auditor: Auditor) {
        self.walker = walker
        self.decoder = decoder
        self.auditor = auditor
    }

    /// One input in walk order.
    enum Input: Sendable {
        case walked(WalkItem)
        /// `sweep`: a member of a range, where no server listening is expected (a skip, not an error).
        case endpoint(TLSEndpoint, sweep: Bool)
        case standardInput
        case invalidTarget(ScanInput.InvalidTarget)
        /// A file the facts cache knows unchanged (`item` is how to read it should the record fail).
        case cached(WalkItem, FactsCache.Record)

        var isEndpoint: Bool {
            if case .endpoint = self { true } else { false }
        }
    }

    /// Reads and judges `inputs` (files and folders, standard input, live endpoints) and returns the
    /// summary. `renderers` run on the workers (each turns a file's report into one report format's
    /// bytes); `sink` receives reports and their bytes (one array per renderer) in input order, on the
    /// calling thread.
    public func run(
        _ inputs: [ScanInput], renderers: [@Sendable (InputResult) -> [UInt8]] = [],
        sink: (InputResult, [[UInt8]]) -> Void
    ) -> ScanSummary {
        let render: @Sendable (InputResult) -> [[UInt8]] = { report in renderers.map { $0(report) } }
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        let started = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
        ca_fix_mmap_threshold()
        let pipeline = Pipeline(byteLimit: max(inFlightByteLimit, AuditPipeline.minimumInputCost))
        let walker = walker
        var warnings: [String] = []
        let (cacheReader, cacheWriter) = openCache(warnings: &warnings)
        // The walker starts listing (and fills the queue) while the CRLs are read on this thread; the
        // workers start once they are: every certificate is judged against the same CRLs.
        let lister = self
        DispatchQueue.global().async {
            for input in inputs {
                switch input {
                case .standardInput: pipeline.push(.standardInput)
                case .endpoint(let endpoint): pipeline.push(.endpoint(endpoint, sweep: false))
                case .endpointRange(let range):
                    for offset in 0..<range.count {
                        pipeline.push(.endpoint(range.endpoint(at: offset), sweep: true))
                    }
                case .invalidTarget(let target): pipeline.push(.invalidTarget(target))
                case .path(let path):
                    walker.walk([path]) { item in
                        pipeline.push(cacheReader.flatMap { lister.cached(item, in: $0) } ?? .walked(item))
                    }
                }
            }
            pipeline.finishProducing()
        }
        var prepared = self
        if revocationChecks {
            let index = loadRevocations(inputs)
            warnings += index.problems
            if !index.isEmpty {
                prepared.auditor.revocations = index
            }
        }
        let scanner = prepared
        let revocationSources = scanner.auditor.revocations?.sources ?? []
        let workerCount = workers
        DispatchQueue.global().async {
            DispatchQueue.concurrentPerform(iterations: workerCount) { _ in
                while let (sequence, input) = pipeline.pop(endpoints: false) {
                    let (report, rendered) = scanner.judge(input, render: render) { cost in
                        pipeline.admit(sequence, cost: cost)
                    }
                    pipeline.complete(sequence, report: report, rendered: rendered)
                }
            }
        }
        // Endpoints wait on the network, not on a core: they get threads of their own, as many as
        // `endpointConcurrency` and no more than there are endpoints.
        let endpoints = inputs.reduce(0) { count, input in
            switch input {
            case .endpoint: count + 1
            case .endpointRange(let range): count + range.count
            default: count
            }
        }
        for _ in 0..<min(max(1, endpointConcurrency), endpoints) {
            EndpointThread.start {
                while let (sequence, input) = pipeline.pop(endpoints: true) {
                    let (report, rendered) = scanner.judge(input, render: render) { cost in
                        pipeline.admit(sequence, cost: cost)
                    }
                    pipeline.complete(sequence, report: report, rendered: rendered)
                }
            }
        }
        var summary = ScanSummary()
        // Reports are taken in runs (one lock for every report finished in order), then handed out.
        var run: [(InputResult, [[UInt8]], cost: Int)] = []
        while pipeline.nextRunInOrder(into: &run) {
            var big = false
            for (report, rendered, cost) in run {
                summary.add(report)
                sink(report, rendered)
                if let cacheWriter, let record = report.factsRecord {
                    cacheWriter.append(record, reused: report.factsRecordRange)
                }
                big = big || cost >= AuditPipeline.trimThreshold
            }
            let count = run.count
            run.removeAll(keepingCapacity: true)
            // A big report was built in a worker thread's malloc arena, which glibc keeps: now that it is
            // freed, hand that memory back, so that the next big input (on another worker) does not build
            // its own arena on top. Only then do the reports' bytes leave the budget.
            if big {
                MemoryTrim.trim()
            }
            pipeline.delivered(count)
        }
        clock_gettime(CLOCK_MONOTONIC, &clock)
        summary.elapsedSeconds = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9 - started
        summary.peakInFlightBytes = pipeline.peakInFlight
        if let cacheReader, let problem = cacheReader.problem {
            warnings.append(problem)
        }
        if let cacheWriter, let failure = cacheWriter.finish() {
            warnings.append(failure + " (the cache was not updated)")
        }
        summary.cacheUsed = cachePath != nil
        summary.warnings = warnings
        summary.crlSources = revocationSources
        return summary
    }

    /// The CRLs of `--crl` (files, or every file of a folder that holds one) and the files named like
    /// CRLs in the scanned folders, read before any certificate is judged.
    func loadRevocations(_ inputs: [ScanInput]) -> RevocationIndex {
        var files: [(path: String, given: Bool)] = []
        for path in crlPaths {
            var info = stat()
            if stat(path, &info) == 0, InputWalker.isDirectory(info) {
                walker.walk([path]) { item in
                    if case .file(let file, _, _) = item { files.append((file, false)) }
                }
            } else {
                files.append((path, true))
            }
        }
        for case .path(let root) in inputs {
            walker.walk([root]) { item in
                if case .file(let file, _, _) = item, RevocationIndex.isNamedLikeCRL(FolderListing.name(of: file)) {
                    files.append((file, false))
                }
            }
        }
        return RevocationIndex.load(files: files, maxFileSize: walker.options.maxFileSize, decoder: decoder)
    }

    private func openCache(warnings: inout [String]) -> (FactsCacheReader?, FactsCacheWriter?) {
        guard let cachePath, !retainSources else { return (nil, nil) }
        let context = FactsCache.Context(passwords: decoder.passwords, matchEncryptedKeys: decoder.matchEncryptedKeys)
        var reader: FactsCacheReader?
        switch FactsCacheReader.open(path: cachePath, context: context) {
        case .missing: break
        case .usable(let old): reader = old
        case .stale(let why): warnings.append(why)
        case .refused(let why):
            warnings.append(why + "; every file is read")
            return (nil, nil)
        }
        do {
            return (reader, try FactsCacheWriter(path: cachePath, context: context, reusing: reader))
        } catch {
            warnings.append(error.description + " (the cache is not updated)")
            return (reader, nil)
        }
    }

    /// On the walker's thread: the old cache's record for a file, if it has one (whether the file is
    /// unchanged is for the worker to tell, `unchanged`).
    func cached(_ item: WalkItem, in cache: FactsCacheReader) -> Input? {
        guard case .file(let path, _, _) = item, let record = cache.record(for: path) else { return nil }
        return .cached(item, record)
    }

    /// On a worker: the record still describes the file (same identity, not too large now) and no key
    /// candidate lies beside it; otherwise the file is read.
    func unchanged(_ item: WalkItem, _ record: FactsCache.Record) -> Bool {
        guard case .file(let path, let inTree, let siblings) = item else { return false }
        var info = stat()
        let follow = !inTree || walker.options.followSymlinks
        guard fstatat(AT_FDCWD, path, &info, follow ? 0 : AT_SYMLINK_NOFOLLOW) == 0, InputWalker.isRegular(info),
            Int(info.st_size) <= walker.options.maxFileSize, FactsCache.Identity(info) == record.identity
        else { return false }
        if let siblings {
            return !siblings.holdsKeyCandidate(for: path)
        }
        return !PrivateKeyCheck.besidePaths(path).contains { access($0, F_OK) == 0 }
    }

    /// Reads, judges, applies the policy to and renders one input.
    func judge(
        _ input: Input, render: @Sendable (InputResult) -> [[UInt8]], admit: (Int) -> Void
    ) -> (InputResult, [[UInt8]]) {
        var report = report(for: input, admit: admit)
        policy?.apply(to: &report)
        return (report, render(report))
    }

    /// Reads and judges one input. `admit` is called once with the input's cost, before its bytes are
    /// read; it blocks while too many bytes are in flight.
    func report(for input: Input, admit: (Int) -> Void) -> InputResult {
        switch input {
        case .walked(let item):
            return report(for: item, admit: admit)
        case .cached(let item, let record):
            guard unchanged(item, record), let parsed = try? FactsCache.parsedInput(of: record) else {
                return report(for: item, admit: admit)
            }
            admit(max(record.bytes.count, AuditPipeline.minimumInputCost))
            var report = auditor.judge(parsed, path: record.path)
            report.factsCacheUse = .reused
            report.factsRecord = record.bytes
            report.factsRecordRange = record.fileRange
            return report
        case .endpoint(let endpoint, let sweep):
            admit(AuditPipeline.endpointCost)
            let decoded = endpoint.fetch(timeoutMilliseconds: endpointTimeoutMilliseconds, probes: endpointProbes)
            if sweep, let problem = decoded.problems.first, decoded.certificates.isEmpty,
                problem.code == .tlsConnect || (problem.code == .tlsTimeout && problem.message.hasPrefix("cannot connect"))
            {
                var result = InputResult(path: endpoint.display)
                result.skipReason = "no server answering (\(problem.message))"
                result.origin = .endpoint
                return result
            }
            var result = auditor.audit(decoded, path: endpoint.display, retaining: retainSources ? [] : nil)
            result.origin = .endpoint
            return result
        case .invalidTarget(let target):
            admit(AuditPipeline.minimumInputCost)
            var result = InputResult(path: target.location)
            result.add(InputProblem(.targetInvalid, "'\(target.text)' names no endpoint: \(target.reason)"))
            return result
        case .standardInput:
            admit(max(walker.options.maxFileSize, AuditPipeline.minimumInputCost))
            var result = readStandardInput()
            result.origin = .standardInput
            return result
        }
    }

    private func readStandardInput() -> InputResult {
        switch FileReader.readAll(STDIN_FILENO, expected: 64 * 1024, limit: walker.options.maxFileSize) {
        case .bytes(let bytes):
            return auditor.audit(bytes: bytes, path: "-", decoder: decoder, retainSource: retainSources)
        case .tooLarge(let size):
            var report = InputResult(path: "-")
            report.skipReason = "larger than --max-file-size (\(size) bytes or more)"
            return report
        case .failed(let problem):
            return InputResult(path: "-", problem: problem)
        }
    }

    func report(for item: WalkItem, admit: (Int) -> Void = { _ in }) -> InputResult {
        switch item {
        case .skipped(let path, let reason):
            admit(AuditPipeline.minimumInputCost)
            var report = InputResult(path: path)
            report.skipReason = reason
            return report
        case .failed(let path, let problem):
            admit(AuditPipeline.minimumInputCost)
            return InputResult(path: path, problem: problem)
        case .file(let path, let inTree, let siblings):
            // A file found in a folder is opened with O_NOFOLLOW unless links are followed (a swap after
            // the listing is not read). Its cost is admitted once its size is known, before it is read.
            var admitted = false
            var identity: FactsCache.Identity?
            let outcome = FileReader.load(
                path: path, limit: walker.options.maxFileSize, noFollow: inTree && !walker.options.followSymlinks,
                onStat: { info in if cachePath != nil { identity = FactsCache.Identity(info) } }
            ) { size in
                admit(max(size, AuditPipeline.minimumInputCost))
                admitted = true
            }
            if !admitted {
                admit(AuditPipeline.minimumInputCost)
            }
            return report(path: path, outcome, siblings: siblings, identity: identity)
        }
    }

    private func report(
        path: String, _ outcome: FileReader.Outcome, siblings: FolderListing?, identity: FactsCache.Identity?
    ) -> InputResult {
        switch outcome {
        case .bytes(let bytes) where bytes.count >= AuditPipeline.trimThreshold:
            // Big inputs are judged one at a time on one thread: their many small allocations then live
            // in one malloc arena, trimmed after each, not one arena per worker. (Rendering stays on the
            // worker: measured, that keeps the peak lower.)
            let scanner = self
            return BigInputLane.shared.run {
                scanner.audit(bytes: bytes, path: path, siblings: siblings, identity: identity)
            }
        case .bytes(let bytes):
            return audit(bytes: bytes, path: path, siblings: siblings, identity: identity)
        case .tooLarge(let size):
            var report = InputResult(path: path)
            report.skipReason = "larger than --max-file-size (\(size) bytes)"
            return report
        case .failed(let problem):
            return InputResult(path: path, problem: problem)
        }
    }
}

extension AuditPipeline {
    /// Judges a file's bytes; with the facts cache, also says so and encodes the record to keep (unless
    /// the file may not be kept: see `FactsCache`).
    fileprivate func audit(bytes: [UInt8], path: String, siblings: FolderListing?, identity: FactsCache.Identity?) -> InputResult {
        guard let identity, !retainSources else {
            return auditor.audit(bytes: bytes, path: path, decoder: decoder, retainSource: retainSources, siblings: siblings)
        }
        let decoded = Auditor.decodeFile(bytes: bytes, path: path, decoder: decoder, siblings: siblings)
        let parsed = ParsedInput(decoded)
        var report = auditor.judge(parsed, path: path, privateKeyCheck: decoded.privateKeyCheck)
        report.factsCacheUse = .read
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if FactsCache.keepable(parsed, privateKeyCheck: decoded.privateKeyCheck != nil), !identity.isRacy(now: now) {
            report.factsRecord = FactsCache.encodeRecord(path: path, identity: identity, parsed: parsed)
        }
        return report
    }
}

/// The scan's shared state: a bounded queue of inputs from the walker, the byte budget, and the finished
/// reports waiting for their turn. One mutex, a condition variable per kind of waiter.
private final class Pipeline: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// The walker waits for room in the queue; workers wait for inputs, for budget; delivery for a report.
    private let room = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let inputs = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let endpointInputs = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let budget = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let ready = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let byteLimit: Int
    /// Inputs the walker produced and no worker took yet (bounded, so a huge tree is not listed ahead).
    private let queue = InputQueue()
    /// Endpoints, taken by the endpoint threads (a queue of their own, so files never wait behind them).
    private let endpointQueue = InputQueue()

    /// Inputs waiting for a worker, oldest first. Only touched with the mutex held (a class, so that no
    /// access to it stays open across a condition wait).
    private final class InputQueue {
        var items: [(Int, AuditPipeline.Input)] = []
        var head = 0
        var waiting: Int { items.count - head }

        func take() -> (Int, AuditPipeline.Input) {
            let next = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 {
                items.removeFirst(head)
                head = 0
            }
            return next
        }
    }
    private static let queueCapacity = 4096
    /// A full queue takes new inputs again once it is down to this (the walker, far faster than the
    /// workers, would otherwise be woken for every input taken).
    private static let queueRefill = queueCapacity / 2
    /// The delivery thread is woken once this many reports are finished (or a worker waits for budget,
    /// or the walk is over): one wake-up for a run of reports, not one per report.
    private static let deliveryRun = 32
    private var deliveryWaiting = false
    private var budgetWaiters = 0
    private var produced = 0
    private var producing = true
    /// Finished reports by sequence number, and the cost each input was admitted at.
    private var finished: [Int: (InputResult, [[UInt8]])] = [:]
    private var costs: [Int: Int] = [:]
    private var nextToDeliver = 0
    private var inFlight = 0
    /// The most input bytes ever in flight at once (reported in the summary; the benchmark shows it).
    private(set) var peakInFlight = 0

    init(byteLimit: Int) {
        self.byteLimit = byteLimit
        pthread_mutex_init(mutex, nil)
        for condition in [room, inputs, endpointInputs, budget, ready] {
            pthread_cond_init(condition, nil)
        }
    }

    deinit {
        for condition in [room, inputs, endpointInputs, budget, ready] {
            pthread_cond_destroy(condition)
            condition.deallocate()
        }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Walker side: waits while the input's queue is full.
    func push(_ input: AuditPipeline.Input) {
        let endpoint = input.isEndpoint
        locked {
            let target = endpoint ? endpointQueue : queue
            if target.waiting >= Pipeline.queueCapacity {
                while target.waiting > Pipeline.queueRefill {
                    pthread_cond_wait(room, mutex)
                }
            }
            target.items.append((produced, input))
            pthread_cond_signal(endpoint ? endpointInputs : inputs)
            produced += 1
        }
    }

    func finishProducing() {
        locked {
            producing = false
            pthread_cond_broadcast(inputs)
            pthread_cond_broadcast(endpointInputs)
            pthread_cond_broadcast(ready)
        }
    }

    /// Worker side: the next input (file or endpoint) in walk order, or nil when the walk is over and the
    /// queue empty.
    func pop(endpoints: Bool) -> (Int, AuditPipeline.Input)? {
        let source = endpoints ? endpointQueue : queue
        let signal = endpoints ? endpointInputs : inputs
        return locked {
            while source.waiting == 0, producing {
                pthread_cond_wait(signal, mutex)
            }
            guard source.waiting > 0 else { return nil }
            let next = source.take()
            if source.waiting == Pipeline.queueRefill {
                pthread_cond_broadcast(room)
            }
            return next
        }
    }

    /// Worker side: waits until `cost` more bytes fit, unless this input is the oldest undelivered one
    /// (which always goes ahead, so the pipeline cannot stall).
    func admit(_ sequence: Int, cost: Int) {
        locked {
            while inFlight > 0, inFlight + cost > byteLimit, sequence != nextToDeliver {
                // Reports finished in order are what frees budget: the delivery must not wait for a run.
                budgetWaiters += 1
                if deliveryWaiting, finished[nextToDeliver] != nil {
                    pthread_cond_signal(ready)
                }
                pthread_cond_wait(budget, mutex)
                budgetWaiters -= 1
            }
            inFlight += cost
            peakInFlight = max(peakInFlight, inFlight)
            costs[sequence] = cost
        }
    }

    func complete(_ sequence: Int, report: InputResult, rendered: [[UInt8]]) {
        locked {
            finished[sequence] = (report, rendered)
            guard deliveryWaiting, finished[nextToDeliver] != nil else { return }
            if finished.count >= Pipeline.deliveryRun || budgetWaiters > 0 || !producing
                || (queue.waiting == 0 && endpointQueue.waiting == 0)
            {
                pthread_cond_signal(ready)
            }
        }
    }

    /// Delivery side: appends to `run` every report finished in walk order from the next one on, waiting
    /// for at least one; false when every input is delivered.
    func nextRunInOrder(into run: inout [(InputResult, [[UInt8]], cost: Int)]) -> Bool {
        locked {
            while finished[nextToDeliver] == nil {
                if !producing, nextToDeliver == produced {
                    return false
                }
                deliveryWaiting = true
                pthread_cond_wait(ready, mutex)
                deliveryWaiting = false
            }
            var sequence = nextToDeliver
            while let (report, rendered) = finished.removeValue(forKey: sequence) {
                run.append((report, rendered, costs[sequence] ?? 0))
                sequence += 1
            }
            return true
        }
    }

    /// Delivery side: the `count` reports `nextRunInOrder` handed out last are written; their bytes leave
    /// the budget.
    func delivered(_ count: Int) {
        locked {
            for _ in 0..<count {
                inFlight -= costs.removeValue(forKey: nextToDeliver) ?? 0
                nextToDeliver += 1
            }
            if budgetWaiters > 0 {
                pthread_cond_broadcast(budget)
            }
        }
    }
}

/// One thread that judges big inputs, one at a time, for every scan in the process.
final class BigInputLane: @unchecked Sendable {
    static let shared = BigInputLane()

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var job: (() -> Void)?
    private var started = false

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    /// Runs `work` on the lane's thread and returns its result; callers queue behind each other.
    func run<Result>(_ work: @escaping () -> Result) -> Result {
        var result: Result?
        var done = false
        pthread_mutex_lock(mutex)
        startIfNeeded()
        while job != nil {
            pthread_cond_wait(changed, mutex)
        }
        job = {
            // No trim here: the report is still alive; the delivery trims once it is freed.
            let value = work()
            pthread_mutex_lock(self.mutex)
            result = value
            done = true
            pthread_cond_broadcast(self.changed)
            pthread_mutex_unlock(self.mutex)
        }
        pthread_cond_broadcast(changed)
        while !done {
            pthread_cond_wait(changed, mutex)
        }
        pthread_mutex_unlock(mutex)
        return result!
    }

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        var thread = pthread_t()
        let box = Unmanaged.passRetained(self)
        pthread_create(&thread, nil, { argument in
            let lane = Unmanaged<BigInputLane>.fromOpaque(argument!).takeRetainedValue()
            lane.loop()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
    }

    private func loop() {
        pthread_mutex_lock(mutex)
        while true {
            while job == nil {
                pthread_cond_wait(changed, mutex)
            }
            let work = job!
            pthread_mutex_unlock(mutex)
            work()
            pthread_mutex_lock(mutex)
            job = nil
            pthread_cond_broadcast(changed)
        }
    }
}

/// A detached thread for one endpoint reader (512 KiB of stack: the TLS exchange and the audit of a
/// short chain need far less).
enum EndpointThread {
    static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body))
        let started = pthread_create(&thread, &attributes, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        pthread_attr_destroy(&attributes)
        if started != 0 {
            // No thread to be had: read the endpoints on a dispatch thread rather than lose them.
            let body = box.takeRetainedValue().body
            DispatchQueue.global().async { body() }
        }
    }
}

/// Returns freed heap memory to the system (glibc keeps it in per-thread arenas otherwise).
enum MemoryTrim {
    static func trim() {
        ca_release_free_memory()
    }
}

/// The number of cores to use, without Foundation.
enum ProcessInfoCores {
    static var active: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
