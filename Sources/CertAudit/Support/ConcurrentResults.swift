import Dispatch
import Synchronization

/// Computes `count` values on every core (`concurrentPerform`) and returns them in index order. The
/// results are collected under a `Mutex` from the standard library, not in a hand-made unsafe buffer.
enum ConcurrentResults<Value: Sendable> {
    static func compute(count: Int, _ body: @Sendable (Int) -> Value) -> [Value] {
        let slots = Mutex<[Value?]>(Array(repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let value = body(index)
            slots.withLock { $0[index] = value }
        }
        return slots.withLock { $0.compactMap { $0 } }
    }
}
