#if canImport(Glibc)
    import Glibc
#endif

// libFuzzer's driver: the target's executable main hands it the command line and one test function.
// (SwiftPM names an executable's main `<Target>_main`; libFuzzer's own main would not be used.)
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

nonisolated(unsafe) private var testOne: (([UInt8]) -> Void)?

/// Runs libFuzzer with `body` as the test of one input; never returns.
public func runFuzzer(_ body: @escaping ([UInt8]) -> Void) -> Never {
    testOne = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, count in
        testOne?(data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
        return 0
    }
    exit(status)
}
