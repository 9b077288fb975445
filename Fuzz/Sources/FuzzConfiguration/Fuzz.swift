@_spi(Fuzzing) import CertAudit

/// The `.certaudit.yaml` loader on one file's text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzEntry.configuration(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
