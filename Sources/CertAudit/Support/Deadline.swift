#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point on the monotonic clock by which one input's work must be done (`--file-timeout`).
public struct Deadline: Sendable {
    private let limit: Int64
    /// The budget it was made from, for messages.
    public let seconds: Int

    public init(seconds: Int) {
        self.seconds = seconds
        limit = Deadline.nowMilliseconds() + Int64(seconds) * 1000
    }

    public var passed: Bool {
        Deadline.nowMilliseconds() >= limit
    }

    static func nowMilliseconds() -> Int64 {
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        return Int64(clock.tv_sec) * 1000 + Int64(clock.tv_nsec) / 1_000_000
    }
}
