@_spi(Fuzzing) import CertAudit

/// PKCS#12 through the OpenSSL shim, with the samples' password and the empty one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzEntry.pkcs12(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
