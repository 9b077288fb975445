#!/usr/bin/env python3
"""Writes N self-signed RSA-2048 server certificates with the Veeam ONE <= 10a KeyUsage
{keyEncipherment, dataEncipherment} (broken in Chrome/Edge 124+), each with its key beside it
(NAME.crt + NAME.key), for timing `certaudit remediate`."""
import argparse
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    start = datetime.datetime(2026, 1, 12, tzinfo=datetime.timezone.utc)
    for index in range(args.count):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        host = f"host{index:03d}"
        fqdn = f"{host}.corp.example.com"
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3652))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(fqdn), x509.DNSName(host)]), critical=False)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=True,
                    data_encipherment=True, key_agreement=False, key_cert_sign=False, crl_sign=False,
                    encipher_only=False, decipher_only=False),
                critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False)
            .sign(key, hashes.SHA256())
        )
        with open(os.path.join(args.out, f"{host}.crt"), "wb") as handle:
            handle.write(certificate.public_bytes(serialization.Encoding.PEM))
        key_path = os.path.join(args.out, f"{host}.key")
        with open(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            handle.write(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


if __name__ == "__main__":
    main()
