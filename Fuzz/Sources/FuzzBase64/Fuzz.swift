@_spi(Fuzzing) import CertAudit

/// The base64 decoder (PEM bodies), checked against a reference decoding of the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzEntry.base64(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
