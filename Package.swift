// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "certaudit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CertAudit", targets: ["CertAudit"]),
        .executable(name: "certaudit", targets: ["certaudit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // System OpenSSL 3 (Debian: libssl-dev). Only the C shim below includes its headers.
        .systemLibrary(
            name: "CertAuditOpenSSLSystem",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Bytes-in/bytes-out C API over OpenSSL: PKCS#12 today; no OpenSSL pointer crosses into Swift.
        .target(
            name: "CCertAuditOpenSSL",
            dependencies: ["CertAuditOpenSSLSystem"],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .target(
            name: "CertAudit",
            dependencies: [
                "CCertAuditOpenSSL",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // `certaudit serve`: the Prometheus exporter (HTTP on Hummingbird, graceful shutdown on
        // swift-service-lifecycle). Kept out of CertAudit so that the library has no server in it.
        .target(
            name: "CertAuditExporter",
            dependencies: [
                "CertAudit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "certaudit",
            dependencies: [
                "CertAudit",
                "CertAuditExporter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "CertAuditTests",
            // The executable too: the tests run `certaudit` to check its exit statuses and outputs.
            dependencies: ["CertAudit", "certaudit"]
        ),
    ]
)
