// swift-tools-version: 6.0
// libFuzzer targets for certaudit's parsers (see FuzzEntry in the library). Built only by scripts/fuzz,
// with -sanitize=fuzzer,address; `swift build` at the repository root never sees this package.
import PackageDescription

let targets = ["FuzzContainer", "FuzzBase64", "FuzzCertificate", "FuzzPKCS7", "FuzzPKCS12", "FuzzRules", "FuzzConfiguration",
    "FuzzTargets", "FuzzStartTLS", "FuzzChain", "FuzzCache", "FuzzReport",
]

let package = Package(
    name: "certaudit-fuzz",
    dependencies: [.package(name: "certaudit", path: "..")],
    targets: [.target(name: "FuzzSupport", path: "Sources/FuzzSupport")]
        + targets.map { name in
            .executableTarget(
                name: name, dependencies: ["FuzzSupport", .product(name: "CertAudit", package: "certaudit")],
                path: "Sources/\(name)")
        }
)
