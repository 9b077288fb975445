@_spi(Fuzzing) import CertAudit
import FuzzSupport

runFuzzer(FuzzEntry.base64)
