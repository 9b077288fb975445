#!/usr/bin/env python3
"""Baseline for the certaudit benchmark: KeyUsage check with Python `cryptography`.

    python_keyusage.py DIR

Walks DIR, reads every file, loads the certificates it holds (PEM if the
file contains "-----BEGIN CERTIFICATE", else DER if the first byte is 0x30),
and checks each certificate's KeyUsage extension: present? digitalSignature
set?  Single process, no caching: the straightforward script one would write.

Prints one JSON line:
  files, certificates, broken (files that looked like certificates but did not
  parse), no_keyusage, no_digital_signature (KeyUsage present without
  digitalSignature), lacking_digital_signature (the sum of the two),
  seconds, certs_per_second.
"""

import json
import os
import sys
import time

from cryptography import x509

PEM_MARKER = b"-----BEGIN CERTIFICATE"


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: python_keyusage.py DIR")
    t0 = time.perf_counter()
    files = certificates = broken = no_ku = no_ds = 0
    for dirpath, _dirnames, filenames in os.walk(sys.argv[1]):
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                broken += 1
                continue
            files += 1
            try:
                if PEM_MARKER in data:
                    certs = x509.load_pem_x509_certificates(data)
                elif data[:1] == b"\x30":
                    certs = [x509.load_der_x509_certificate(data)]
                else:
                    continue
            except ValueError:
                broken += 1
                continue
            for cert in certs:
                certificates += 1
                try:
                    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
                except x509.ExtensionNotFound:
                    no_ku += 1
                    continue
                if not ku.digital_signature:
                    no_ds += 1
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "tool": "python-cryptography",
        "files": files,
        "certificates": certificates,
        "broken": broken,
        "no_keyusage": no_ku,
        "no_digital_signature": no_ds,
        "lacking_digital_signature": no_ku + no_ds,
        "seconds": round(seconds, 3),
        "certs_per_second": round(certificates / seconds) if seconds > 0 else None,
    }))


if __name__ == "__main__":
    main()
