@_spi(Fuzzing) import CertAudit

/// The PKCS#7 certificate reader (SwiftASN1, BER).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzEntry.pkcs7(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
