@_spi(Fuzzing) import CertAudit

/// The content sniffer and everything it dispatches to (PEM scanner, base64, DER framing, PKCS#7,
/// PKCS#12), then the lenient parser and every rule: what a scan does with one file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzEntry.scanFile(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
