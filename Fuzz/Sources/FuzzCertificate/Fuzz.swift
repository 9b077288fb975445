@_spi(Fuzzing) import CertAudit

/// The lenient certificate parser on raw DER, then every fact a rule or report can ask for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzEntry.certificate(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
