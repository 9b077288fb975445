import CCertAuditOpenSSL
import Crypto
import Foundation
import X509
import _CryptoExtras

/// A private key a replacement is issued for (or by): generated, read from PKCS#8/PKCS#1/SEC1, or taken
/// from a PKCS#12 file. Exported only as PKCS#8.
public enum KeyMaterial: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func generate(_ spec: KeySpec) throws -> KeyMaterial {
        switch spec {
        case .rsa2048: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .rsa3072: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits3072))
        case .rsa4096: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits4096))
        case .ecP256: .p256(P256.Signing.PrivateKey())
        case .ecP384: .p384(P384.Signing.PrivateKey())
        }
    }

    /// Reads a private key in PEM (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY, or ENCRYPTED PRIVATE KEY
    /// opened with one of `passwords`, through OpenSSL) or unencrypted DER.
    public init(encoded bytes: [UInt8], passwords: PasswordCandidates = PasswordCandidates()) throws(Failure) {
        if PEMScanner.containsPEM(bytes) {
            let blocks = PEMScanner.blocks(in: bytes).filter { $0.label.hasSuffix("PRIVATE KEY") }
            guard let block = blocks.first, block.complete else {
                throw Failure(description: "no PEM private key block")
            }
            guard var der = try? Base64.decode(bytes[block.body]) else {
                throw Failure(description: "\(block.label) block is not valid base64")
            }
            defer { Secrets.wipe(&der) }
            if block.label == "ENCRYPTED PRIVATE KEY" {
                var plain = try KeyMaterial.decrypt(der, passwords: passwords)
                defer { Secrets.wipe(&plain) }
                try self.init(der: plain)
            } else {
                try self.init(der: der)
            }
        } else {
            try self.init(der: bytes)
        }
    }

    /// Decrypts PKCS#8 with the first candidate that works; passwords never appear in messages.
    static func decrypt(_ der: [UInt8], passwords: PasswordCandidates) throws(Failure) -> [UInt8] {
        for candidate in passwords.values {
            var buffer = ca_buffer()
            defer { ca_buffer_free(&buffer) }
            let ok = der.withUnsafeBufferPointer { bytes in
                if let candidate {
                    return candidate.withCString { ca_pkcs8_decrypt(bytes.baseAddress, bytes.count, $0, &buffer) }
                }
                return ca_pkcs8_decrypt(bytes.baseAddress, bytes.count, nil, &buffer)
            }
            if ok == 1, let data = buffer.data {
                return Array(UnsafeBufferPointer(start: data, count: buffer.len))
            }
        }
        let tried = passwords.sources.isEmpty ? "no password given" : "tried \(passwords.sources.joined(separator: " and "))"
        throw Failure(description: "the private key is encrypted and could not be opened (\(tried); use --password-file)")
    }

    public init(der: [UInt8]) throws(Failure) {
        if let key = try? P256.Signing.PrivateKey(derRepresentation: der) {
            self = .p256(key)
        } else if let key = try? P384.Signing.PrivateKey(derRepresentation: der) {
            self = .p384(key)
        } else if let key = try? _RSA.Signing.PrivateKey(derRepresentation: der) {
            self = .rsa(key)
        } else {
            throw Failure(description: "not an RSA (2048 bits or more), P-256 or P-384 private key")
        }
    }

    public var spec: KeySpec {
        switch self {
        case .rsa(let key): key.keySizeInBits > 3072 ? .rsa4096 : key.keySizeInBits > 2048 ? .rsa3072 : .rsa2048
        case .p256: .ecP256
        case .p384: .ecP384
        }
    }

    public var certificateKey: Certificate.PrivateKey {
        switch self {
        case .rsa(let key): Certificate.PrivateKey(key)
        case .p256(let key): Certificate.PrivateKey(key)
        case .p384(let key): Certificate.PrivateKey(key)
        }
    }

    /// SHA-256 with RSA and P-256, SHA-384 with P-384.
    public var signatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .rsa: .sha256WithRSAEncryption
        case .p256: .ecdsaWithSHA256
        case .p384: .ecdsaWithSHA384
        }
    }

    /// The public key's SubjectPublicKeyInfo DER, to compare with a certificate's.
    public var subjectPublicKeyInfo: [UInt8] {
        switch self {
        case .rsa(let key): [UInt8](key.publicKey.derRepresentation)
        case .p256(let key): [UInt8](key.publicKey.derRepresentation)
        case .p384(let key): [UInt8](key.publicKey.derRepresentation)
        }
    }

    public var pkcs8DER: [UInt8] {
        switch self {
        case .rsa(let key): [UInt8](key.pkcs8DERRepresentation)
        case .p256(let key): [UInt8](key.pkcs8DERRepresentation)
        case .p384(let key): [UInt8](key.pkcs8DERRepresentation)
        }
    }

    public var pkcs8PEM: String {
        PEMWriter.encode(label: "PRIVATE KEY", der: pkcs8DER)
    }
}
