@_spi(Fuzzing) import CertAudit

/// The rule YAML loader (Yams, the condition compiler, message templates) on one file's text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzEntry.ruleFile(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
