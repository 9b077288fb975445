@_spi(Fuzzing) import CertAudit
import FuzzSupport

runFuzzer(FuzzEntry.fleetReport)
