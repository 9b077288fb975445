#!/usr/bin/env python3
"""Regenerate the certaudit sample certificates and their expected verdicts.

Usage:  python3 samples/generate.py [--force]      (any working directory)

Everything is written next to this script. Private keys live in keys/ and are
created only when missing, so a rerun reproduces the certificates byte for byte:
fixed serials, fixed dates, PKCS#1 v1.5 RSA signatures, deterministic ECDSA
(RFC 6979).

Some outputs are randomized by nature: tls/dsa-2048.crt (DSA signature),
tls/rsa-pss.crt (RSASSA-PSS random salt) and the .pfx files (random salts and
IVs). For those an existing file is kept when it is equivalent to what would be
built now (same to-be-signed certificate; for PKCS#12 the same algorithms per
`openssl pkcs12 -info` and the same decrypted key, certificates and
friendlyNames), so a rerun changes nothing. --force rewrites them anyway.

Expected findings are written by hand next to each sample's definition (the
expect(...) calls). At the end the script re-reads every generated file and
recomputes the findings with an independent Python implementation of the rule
definitions (see _Rules below); any disagreement with the hand-written
expectations aborts the run before EXPECTED.json / EXPECTED.md are written.

What cryptography refuses to build (SHA-1/MD5 signatures, encipherOnly without
keyAgreement, a negative serial) is made by swapping one same-length DER
element in the TBSCertificate of a normal build and re-signing it with the
issuing CA's key (resign_swapped).

Requirements: Python 3.11+, cryptography >= 44, and the openssl 3 CLI (used
for the legacy RC2-40 PKCS#12, the order-preserving PKCS#7 bundles and the
TRUSTED CERTIFICATE block).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = Path(__file__).resolve().parent
KEYS = HERE / "keys"
FORCE = "--force" in sys.argv[1:]

UTC = dt.timezone.utc
REFERENCE_TIME = dt.datetime(2026, 12, 1, tzinfo=UTC)
EXPIRY_DAYS = 30
PASSWORD = "certaudit-sample"
WRONG_PASSWORD = "not-the-sample-password"

# tls/negative-serial.crt is negative on purpose. cryptography 48 still loads it
# but warns (and announces an exception "in a future release"); silence only
# that warning. If a later cryptography refuses the file, the cross-check
# reports "expected certificates, none parsed" instead of passing silently.
warnings.filterwarnings("ignore", message=r"Parsed a serial number which wasn't positive",
                        category=CryptographyDeprecationWarning)


def d(y: int, m: int, day: int) -> dt.datetime:
    return dt.datetime(y, m, day, tzinfo=UTC)


DEFAULT_NOT_BEFORE = d(2026, 1, 12)
DEFAULT_NOT_AFTER = d(2036, 1, 10)  # 3650 days: deliberately over the CA/B limit
VEEAM_NOT_AFTER = DEFAULT_NOT_BEFORE + dt.timedelta(days=3652)  # 2036-01-12

# ---------------------------------------------------------------------------
# Expectations registry
# ---------------------------------------------------------------------------

EXPECTED: dict[str, dict] = {}


def expect(path: str, demonstrates: str, *certs: tuple[str, list[str]], status: str = "ok",
           problems: list[str] = (), document: str = "certificate") -> None:
    """Record the hand-written verdict for one sample file.

    certs: (subject in RFC 4514 order, findings) per certificate, in file order; for a CRL
    (document="crl") the issuer's name instead of a subject. A CSR (document="csr") gives its subject.
    problems: for status "error", the input problem codes certaudit reports, in order.
    """
    assert path not in EXPECTED, path
    if status != "ok":
        assert not certs
    assert (status == "error") == bool(problems), path
    EXPECTED[path] = {
        "status": status,
        "problems": list(problems),
        "demonstrates": demonstrates,
        "certificates": [
            ({"index": i, "subject": subj, "findings": sorted(findings)} if document == "certificate" else
             {"index": i, "document": document, ("issuer" if document == "crl" else "subject"): subj,
              "findings": sorted(findings)})
            for i, (subj, findings) in enumerate(certs)
        ],
    }


# ---------------------------------------------------------------------------
# Small helpers: output, keys, serials, DER
# ---------------------------------------------------------------------------

WRITTEN: list[str] = []


def out(rel: str, data: bytes | str) -> Path:
    p = HERE / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    p.write_bytes(data)
    WRITTEN.append(rel)
    return p


def key(name: str, kind: str):
    """Load keys/<name>.key, or create it (unencrypted PKCS#8 PEM, mode 0600)."""
    KEYS.mkdir(exist_ok=True)
    p = KEYS / f"{name}.key"
    if p.exists():
        k = serialization.load_pem_private_key(p.read_bytes(), password=None)
        os.chmod(p, 0o600)
    else:
        if kind.startswith("rsa"):
            k = rsa.generate_private_key(65537, int(kind[3:]))
        elif kind == "p256":
            k = ec.generate_private_key(ec.SECP256R1())
        elif kind == "p384":
            k = ec.generate_private_key(ec.SECP384R1())
        elif kind.startswith("dsa"):
            k = dsa.generate_private_key(int(kind[3:]))
        else:
            raise ValueError(kind)
        pem = k.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    # Guard against a key file of the wrong type or size.
    if kind.startswith("rsa"):
        assert isinstance(k, rsa.RSAPrivateKey) and k.key_size == int(kind[3:]), p
    elif kind in ("p256", "p384"):
        assert isinstance(k, ec.EllipticCurvePrivateKey), p
        assert k.curve.name == {"p256": "secp256r1", "p384": "secp384r1"}[kind], p
    elif kind.startswith("dsa"):
        assert isinstance(k, dsa.DSAPrivateKey) and k.key_size == int(kind[3:]), p
    return k


def serial(label: str) -> int:
    """A fixed, random-looking, positive 16-octet serial derived from a label."""
    h = int.from_bytes(hashlib.sha256(b"certaudit-serial:" + label.encode()).digest()[:16], "big")
    return (h & ((1 << 127) - 1)) | (1 << 120)  # top octet in 0x01..0x7f: exactly 16 octets


def det_bytes(label: str, n: int) -> bytes:
    """n fixed pseudo-random bytes (SHA-256 in counter mode; stable everywhere)."""
    buf = b""
    i = 0
    while len(buf) < n:
        buf += hashlib.sha256(f"certaudit:{label}:{i}".encode()).digest()
        i += 1
    return buf[:n]


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + der_len(len(content)) + content


def der_read(buf: bytes, off: int = 0) -> tuple[int, int, int]:
    """Return (tag, content_start, content_end) of the TLV at off (single-byte tags)."""
    tag = buf[off]
    n = buf[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[off:off + k], "big")
        off += k
    return tag, off, off + n


def der_children(tlv: bytes) -> list[bytes]:
    """The TLVs inside a constructed TLV (or inside an OCTET STRING that wraps DER)."""
    _, s, e = der_read(tlv)
    kids, p = [], s
    while p < e:
        _, _, q = der_read(tlv, p)
        kids.append(tlv[p:q])
        p = q
    return kids


def der_rewrite(tlv: bytes, path: list[int], change) -> bytes:
    """Replaces the TLV at `path` (child indices from `tlv` down) with change(old), re-encoding every
    enclosing length."""
    if not path:
        return change(tlv)
    kids = der_children(tlv)
    kids[path[0]] = der_rewrite(kids[path[0]], path[1:], change)
    return der_tlv(tlv[0], b"".join(kids))


def pem(c: x509.Certificate) -> bytes:
    return c.public_bytes(serialization.Encoding.PEM)


def der(c: x509.Certificate) -> bytes:
    return c.public_bytes(serialization.Encoding.DER)


def openssl(*args: str, env_extra: dict | None = None, stdin: bytes | None = None) -> bytes:
    env = dict(os.environ)
    env.update(env_extra or {})
    r = subprocess.run(["openssl", *args], input=stdin, capture_output=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{r.stderr.decode()}")
    return r.stdout


# ---------------------------------------------------------------------------
# Certificate building
# ---------------------------------------------------------------------------

def cn(value: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)])


def ku(*bits: str) -> x509.KeyUsage:
    names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]
    alias = {"DS": "digital_signature", "NR": "content_commitment", "KE": "key_encipherment",
             "DE": "data_encipherment", "KA": "key_agreement", "KCS": "key_cert_sign",
             "CRL": "crl_sign", "EO": "encipher_only", "DO": "decipher_only"}
    chosen = {alias[b] for b in bits}
    return x509.KeyUsage(**{n: (n in chosen) for n in names})


def san(*names: str) -> x509.SubjectAlternativeName:
    return x509.SubjectAlternativeName([x509.DNSName(n) for n in names])


def eku(*oids) -> x509.ExtendedKeyUsage:
    return x509.ExtendedKeyUsage(list(oids))


SERVER = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT = ExtendedKeyUsageOID.CLIENT_AUTH


def build(*, label: str, subject: x509.Name, key_, issuer: tuple | None = None,
          not_before=DEFAULT_NOT_BEFORE, not_after=DEFAULT_NOT_AFTER,
          exts: list[tuple[x509.ExtensionType, bool]], aki: bool = True,
          rsa_padding=None) -> x509.Certificate:
    """issuer: (issuer_cert, issuer_key) or None for self-signed."""
    if issuer is None:
        issuer_name, signer, issuer_pub = subject, key_, None
    else:
        issuer_name, signer, issuer_pub = issuer[0].subject, issuer[1], issuer[0].public_key()
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer_name)
         .public_key(key_.public_key()).serial_number(serial(label))
         .not_valid_before(not_before).not_valid_after(not_after))
    for ext, critical in exts:
        b = b.add_extension(ext, critical)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key_.public_key()), False)
    if issuer_pub is not None and aki:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub), False)
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        return b.sign(signer, hashes.SHA256(), ecdsa_deterministic=True)
    return b.sign(signer, hashes.SHA256(), rsa_padding=rsa_padding)


_ALG_SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")  # sha256WithRSAEncryption, NULL
_LEGACY_RSA = {
    "sha1": (bytes.fromhex("300d06092a864886f70d0101050500"), hashes.SHA1()),  # sha1WithRSAEncryption
    "md5": (bytes.fromhex("300d06092a864886f70d0101040500"), hashes.MD5()),    # md5WithRSAEncryption
}


def resign_swapped(cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey, old: bytes, new: bytes, *,
                   algid: bytes = _ALG_SHA256_RSA, h: hashes.HashAlgorithm = hashes.SHA256()) -> bytes:
    """Swap one byte string in a certificate's TBSCertificate, re-sign, return the DER.

    For what cryptography's builder refuses to produce. old must occur exactly
    once in the TBSCertificate and new must have the same length, so every
    enclosing DER length stays valid. The TBS is signed with PKCS#1 v1.5
    (deterministic) over h, and the Certificate SEQUENCE reassembled with
    algid as its signatureAlgorithm. The result is returned as DER and checked
    by re-reading it with the DER helpers, not with cryptography (which may
    refuse to load it).
    """
    tbs = cert.tbs_certificate_bytes
    assert len(old) == len(new) and tbs.count(old) == 1, (old.hex(), new.hex())
    tbs = tbs.replace(old, new)
    sig = issuer_key.sign(tbs, padding.PKCS1v15(), h)
    cert_der = der_tlv(0x30, tbs + algid + der_tlv(0x03, b"\x00" + sig))
    _, s, e = der_read(cert_der)
    _, _, tbs_end = der_read(cert_der, s)
    _, _, alg_end = der_read(cert_der, tbs_end)
    tag, bs, be = der_read(cert_der, alg_end)
    assert e == len(cert_der) and be == e and tag == 0x03 and cert_der[s:tbs_end] == tbs
    issuer_key.public_key().verify(cert_der[bs + 1:be], cert_der[s:tbs_end], padding.PKCS1v15(), h)
    return cert_der


def pem_from_der(cert_der: bytes) -> bytes:
    """PEM armour for a certificate given as DER, in cryptography's layout (64-column lines)."""
    b = base64.b64encode(cert_der).decode()
    return ("-----BEGIN CERTIFICATE-----\n" + "".join(b[i:i + 64] + "\n" for i in range(0, len(b), 64))
            + "-----END CERTIFICATE-----\n").encode()


def resign_legacy(cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey, which: str) -> x509.Certificate:
    """Re-sign a SHA-256/RSA certificate with SHA-1 or MD5.

    cryptography's builder refuses SHA-1 and MD5, so the TBSCertificate is taken
    from a SHA-256 build, its signature AlgorithmIdentifier swapped for the
    legacy one (same length), signed with PKCS#1 v1.5 over the legacy hash, and
    the Certificate SEQUENCE reassembled.
    """
    algid, h = _LEGACY_RSA[which]
    new = x509.load_der_x509_certificate(resign_swapped(cert, issuer_key, _ALG_SHA256_RSA, algid, algid=algid, h=h))
    issuer_key.public_key().verify(new.signature, new.tbs_certificate_bytes, padding.PKCS1v15(), h)
    return new


def keep_or(rel: str, cert: x509.Certificate, encoding=serialization.Encoding.PEM) -> x509.Certificate:
    """For randomized signatures: keep the existing file if its TBS is unchanged."""
    p = HERE / rel
    if p.exists() and not FORCE:
        try:
            old = x509.load_pem_x509_certificate(p.read_bytes())
            if old.tbs_certificate_bytes == cert.tbs_certificate_bytes:
                WRITTEN.append(rel)
                return old
        except ValueError:
            pass
    out(rel, cert.public_bytes(encoding))
    return cert


def _pfx_summary(data: bytes, password: str) -> tuple:
    """What matters about a PKCS#12: its algorithms and its decrypted contents."""
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "p.pfx"
        f.write_bytes(data)
        info = openssl("pkcs12", "-in", str(f), "-info", "-noout", "-legacy", "-passin", "env:CERTAUDIT_PFX_PASSWORD",
                       env_extra={"CERTAUDIT_PFX_PASSWORD": password})
    p = pkcs12.load_pkcs12(data, password.encode())
    key_der = p.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    certs = [(c.certificate.public_bytes(serialization.Encoding.DER), c.friendly_name)
             for c in ([p.cert] if p.cert else []) + list(p.additional_certs)]
    return info, key_der, certs


def write_pfx(rel: str, data: bytes, password: str) -> None:
    """PKCS#12 output is randomized (salts, IVs): keep an existing equivalent file."""
    p = HERE / rel
    if p.exists() and not FORCE:
        try:
            if _pfx_summary(p.read_bytes(), password) == _pfx_summary(data, password):
                WRITTEN.append(rel)
                return
        except (RuntimeError, ValueError):
            pass
    out(rel, data)


def pfx_modern(rel: str, cert, key_, friendly_name: str, password: str) -> None:
    """AES-256-CBC/PBES2 (PBKDF2-HMAC-SHA256) for key and certs, SHA-256 MAC."""
    enc = (serialization.PrivateFormat.PKCS12.encryption_builder()
           .kdf_rounds(2048)
           .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
           .hmac_hash(hashes.SHA256())
           .build(password.encode()))
    write_pfx(rel, pkcs12.serialize_key_and_certificates(friendly_name.encode(), key_, cert, None, enc), password)


def pfx_legacy(rel: str, cert, key_name: str, friendly_name: str, password: str) -> None:
    """RC2-40 (certs) / 3DES (key) / SHA-1 MAC, via `openssl pkcs12 -export -legacy`."""
    with tempfile.TemporaryDirectory() as tmp:
        cp = Path(tmp) / "cert.pem"
        cp.write_bytes(pem(cert))
        target = Path(tmp) / "out.pfx"
        openssl("pkcs12", "-export", "-legacy", "-in", str(cp), "-inkey", str(KEYS / f"{key_name}.key"),
                "-name", friendly_name, "-passout", "env:CERTAUDIT_PFX_PASSWORD", "-out", str(target),
                env_extra={"CERTAUDIT_PFX_PASSWORD": password})
        write_pfx(rel, target.read_bytes(), password)


# ---------------------------------------------------------------------------
# Samples
# ---------------------------------------------------------------------------
# Abbreviations in comments: DS digitalSignature, NR nonRepudiation
# (contentCommitment), KE keyEncipherment, DE dataEncipherment, KA keyAgreement,
# KCS keyCertSign.
#
# Findings that recur, and why:
#  * cabf.validity-too-long: every sample with notBefore >= 2020-09-01 and more
#    than 398 days of validity (the default 2026-01-12..2036-01-10 is 3650 days;
#    Veeam-style 3652 days).
#  * vendor.ku-lacks-non-repudiation: only on certificates a product history
#    recognises (the Veeam installer shape, or a friendlyName naming a Veeam
#    product) that have a KeyUsage without NR; vendor guidance does not apply to
#    certificates no vendor made (unless --vendor says the host runs the product).
#  * browser.ca-marked-server-certificate: a self-issued CA:TRUE certificate
#    with a DNS/IP SAN or serverAuth (what `openssl req -x509` makes) is judged
#    as a server certificate; a CA without that shape stays a CA.

def veeam_cert(label: str, fqdn: str, bits, critical: bool = False) -> tuple[x509.Certificate, object]:
    """Installer shape: self-signed RSA-2048, CN=<FQDN> only, SAN {FQDN, short},
    EKU serverAuth+clientAuth, no basicConstraints, 10-year validity."""
    k = key(label, "rsa2048")
    exts = [(san(fqdn, fqdn.split(".")[0]), False), (eku(SERVER, CLIENT), False)]
    if bits is not None:
        exts.insert(0, (ku(*bits), critical))
    c = build(label=label, subject=cn(fqdn), key_=k, exts=exts, not_after=VEEAM_NOT_AFTER)
    return c, k


def req_x509(label: str, host: str, bits, *, names=None, ekus=None) -> tuple[x509.Certificate, object]:
    """A self-signed certificate shaped the way `openssl req -x509` makes one with OpenSSL 3's default
    configuration (v3_ca) and -addext: subjectKeyIdentifier, authorityKeyIdentifier (keyid), critical
    basicConstraints CA:TRUE, then the -addext extensions in order (SAN, keyUsage, extendedKeyUsage, all
    non-critical). `check_req_x509_shape` compares this layout with what the openssl CLI writes.
    names: SAN entries ("DNS:x" / "IP:a.b.c.d"), None for no SAN; bits None: no keyUsage."""
    k = key(label, "rsa2048")
    pub = k.public_key()
    b = (x509.CertificateBuilder().subject_name(cn(host)).issuer_name(cn(host)).public_key(pub)
         .serial_number(serial(label)).not_valid_before(DEFAULT_NOT_BEFORE).not_valid_after(DEFAULT_NOT_AFTER)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(pub), False)
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), True))
    if names is not None:
        entries = [x509.IPAddress(ipaddress.ip_address(n[3:])) if n.startswith("IP:") else x509.DNSName(n[4:])
                   for n in names]
        b = b.add_extension(x509.SubjectAlternativeName(entries), False)
    if bits is not None:
        b = b.add_extension(ku(*bits), False)
    if ekus is not None:
        b = b.add_extension(eku(*ekus), False)
    return b.sign(k, hashes.SHA256()), k


def _extension_layout(c: x509.Certificate) -> list[tuple[str, bool]]:
    return [(e.oid.dotted_string, e.critical) for e in c.extensions]


def check_req_x509_shape(made: x509.Certificate, addext: list[str]) -> None:
    """Asserts that a req_x509() certificate has the extension layout (OIDs, order, criticality, CA flag)
    of what the openssl CLI's `req -x509 -addext …` writes on this machine."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(Path(tmp) / "k.pem"),
                "-subj", "/CN=shape-check", "-days", "30"]
        for a in addext:
            args += ["-addext", a]
        real = x509.load_pem_x509_certificate(openssl(*args))
    assert _extension_layout(made) == _extension_layout(real), (_extension_layout(made), _extension_layout(real))
    assert _ext(real, x509.BasicConstraints).ca and _ext(made, x509.BasicConstraints).ca


# ---------------------------------------------------------------------------
# Java keystores (JKS, JCEKS), written byte for byte as the JDK writes them, reproducibly
# ---------------------------------------------------------------------------

def _java_utf(text: str) -> bytes:
    data = text.encode("utf-8")  # aliases here are ASCII: modified UTF-8 is plain UTF-8
    return len(data).to_bytes(2, "big") + data


def jks_protect(pkcs8: bytes, password: str, label: str) -> bytes:
    """Sun's JKS key protector (OID 1.3.6.1.4.1.42.2.17.1.1) with a fixed salt: a SHA-1 keystream."""
    pw = password.encode("utf-16-be")
    salt = det_bytes("jks-salt:" + label, 20)
    stream, digest = b"", salt
    while len(stream) < len(pkcs8):
        digest = hashlib.sha1(pw + digest).digest()
        stream += digest
    body = bytes(a ^ b for a, b in zip(pkcs8, stream))
    check = hashlib.sha1(pw + pkcs8).digest()
    algorithm = der_tlv(0x30, der_tlv(0x06, bytes.fromhex("2b060104012a02110101")) + b"\x05\x00")
    return der_tlv(0x30, algorithm + der_tlv(0x04, salt + body + check))


def java_keystore(magic: int, entries: list, password: str) -> bytes:
    """entries: ("key", alias, pkcs8, [cert DER…]) or ("cert", alias, cert DER); fixed creation times."""
    millis = int(REFERENCE_TIME.timestamp() * 1000).to_bytes(8, "big")
    out = magic.to_bytes(4, "big") + (2).to_bytes(4, "big") + len(entries).to_bytes(4, "big")
    def certificate(d: bytes) -> bytes:
        return _java_utf("X.509") + len(d).to_bytes(4, "big") + d
    for entry in entries:
        if entry[0] == "key":
            _, alias, pkcs8, chain = entry
            protected = jks_protect(pkcs8, password, alias)
            out += (1).to_bytes(4, "big") + _java_utf(alias) + millis + len(protected).to_bytes(4, "big") + protected
            out += len(chain).to_bytes(4, "big") + b"".join(certificate(c) for c in chain)
        else:
            _, alias, d = entry
            out += (2).to_bytes(4, "big") + _java_utf(alias) + millis + certificate(d)
    return out + hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + out).digest()


def read_java_keystore(data: bytes) -> list[tuple[str, bytes]]:
    """(alias, certificate DER) of every certificate, in store order (the cross-check's own reader)."""
    assert data[:4] in (bytes.fromhex("feedfeed"), bytes.fromhex("cececece"))
    count = int.from_bytes(data[8:12], "big")
    at, found = 12, []
    def u32() -> int:
        nonlocal at
        at += 4
        return int.from_bytes(data[at - 4:at], "big")
    def utf() -> str:
        nonlocal at
        n = int.from_bytes(data[at:at + 2], "big")
        at += 2 + n
        return data[at - n:at].decode()
    def cert() -> bytes:
        nonlocal at
        assert utf() == "X.509"
        n = u32()
        at += n
        return data[at - n:at]
    for _ in range(count):
        tag, alias = u32(), utf()
        at += 8
        if tag == 1:
            key_length = u32()
            at += key_length
            found += [(alias, cert()) for _ in range(u32())]
        else:
            found.append((alias, cert()))
    return found


def friendly(product: str, c: x509.Certificate) -> str:
    return f"{c.not_valid_before_utc:%y%m%d} {product} self-signed certificate"


def main() -> None:
    # ---------------- Veeam installer defaults (Veeam KB4534) ----------------
    NO_DS_VEEAM = ["browser.ku-lacks-digital-signature", "vendor.installer-default-incompatible",
                   "vendor.ku-lacks-non-repudiation", "cabf.rsa-ku-data-encipherment",
                   "cabf.validity-too-long"]

    c, _ = veeam_cert("veeam-one-10a", "vone01.corp.example.com", ["KE", "DE"])
    out("veeam/veeam-one-10a.crt", pem(c))
    expect("veeam/veeam-one-10a.crt",
           "Veeam ONE <= 10a installer default: KU {KE,DE} without digitalSignature (Chrome/Edge >= 124 reject it)",
           ("CN=vone01.corp.example.com", NO_DS_VEEAM))

    c, _ = veeam_cert("veeam-one-11", "vone02.corp.example.com", ["DS", "KE", "DE"])
    out("veeam/veeam-one-11.crt", pem(c))
    expect("veeam/veeam-one-11.crt",
           "Veeam ONE 11 installer default: KU {DS,KE,DE} -- browser-compatible, recognised as a product default",
           ("CN=vone02.corp.example.com",
            ["vendor.installer-default", "vendor.ku-lacks-non-repudiation",
             "cabf.rsa-ku-data-encipherment", "cabf.validity-too-long"]))

    c, k = veeam_cert("veeam-one-11a", "vone03.corp.example.com", ["DS", "NR", "KE", "DE"])
    pfx_modern("veeam/veeam-one-11a.pfx", c, k, friendly("Veeam ONE", c), PASSWORD)
    expect("veeam/veeam-one-11a.pfx",
           "Veeam ONE >= 11a installer default in a modern PKCS#12 (AES-256/PBES2, SHA-256 MAC, password in passwords.txt)",
           ("CN=vone03.corp.example.com",
            ["vendor.installer-default", "cabf.ku-non-repudiation",
             "cabf.rsa-ku-data-encipherment", "cabf.validity-too-long"]))

    c, _ = veeam_cert("vspc-5", "vspc01.corp.example.com", ["KE", "DE"], critical=True)
    pfx_legacy("veeam/vspc-5.pfx", c, "vspc-5", "Veeam Service Provider Console", PASSWORD)
    expect("veeam/vspc-5.pfx",
           "VSPC <= 5 installer default (KU {KE,DE}, marked critical) in a legacy PKCS#12 (RC2-40/3DES, SHA-1 MAC)",
           ("CN=vspc01.corp.example.com", NO_DS_VEEAM))

    c, _ = veeam_cert("vspc-6", "vspc02.corp.example.com", ["DS", "NR", "KE", "DE"])
    out("veeam/vspc-6.crt", pem(c))
    expect("veeam/vspc-6.crt",
           "VSPC >= 6 installer default: KU {DS,NR,KE,DE}",
           ("CN=vspc02.corp.example.com",
            ["vendor.installer-default", "cabf.ku-non-repudiation",
             "cabf.rsa-ku-data-encipherment", "cabf.validity-too-long"]))

    c, _ = veeam_cert("vbem-10a", "vbem01.corp.example.com", ["KE", "DE"])
    out("veeam/vbem-10a.cer", der(c))
    expect("veeam/vbem-10a.cer",
           "VBEM <= 10a installer default as a DER .cer: KU {KE,DE} without digitalSignature",
           ("CN=vbem01.corp.example.com", NO_DS_VEEAM))

    c, _ = veeam_cert("vbem-11", "vbem02.corp.example.com", None)
    out("veeam/vbem-11.crt", pem(c))
    expect("veeam/vbem-11.crt",
           "VBEM >= 11 installer default: no KeyUsage extension at all (browser-compatible)",
           ("CN=vbem02.corp.example.com",
            ["vendor.installer-default", "cabf.ku-absent", "cabf.validity-too-long"]))

    # ---------------- Test CA ----------------
    root_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certaudit samples"),
                           x509.NameAttribute(NameOID.COMMON_NAME, "certaudit Test Root CA")])
    root_key = key("test-root-ca", "rsa2048")
    root = build(label="test-root-ca", subject=root_name, key_=root_key,
                 not_before=d(2026, 1, 1), not_after=d(2046, 1, 1),
                 exts=[(x509.BasicConstraints(ca=True, path_length=None), True),
                       (ku("KCS", "CRL"), True)])
    out("ca/test-root-ca.crt", pem(root))
    ROOT_SUBJ = "CN=certaudit Test Root CA,O=certaudit samples"
    expect("ca/test-root-ca.crt", "Test root CA (also the issuer for re-issuing tests); clean",
           (ROOT_SUBJ, []))

    int_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certaudit samples"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "certaudit Test Issuing CA")])
    int_key = key("test-intermediate-ca", "rsa2048")
    inter = build(label="test-intermediate-ca", subject=int_name, key_=int_key, issuer=(root, root_key),
                  not_before=d(2026, 1, 1), not_after=d(2045, 1, 1),
                  exts=[(x509.BasicConstraints(ca=True, path_length=0), True),
                        (ku("DS", "KCS", "CRL"), True)])
    out("ca/test-intermediate-ca.crt", pem(inter))
    INT_SUBJ = "CN=certaudit Test Issuing CA,O=certaudit samples"
    expect("ca/test-intermediate-ca.crt", "Test issuing CA (pathlen 0) under the test root; clean",
           (INT_SUBJ, []))

    ICA = (inter, int_key)

    def sub_ca(label: str, common_name: str, bits) -> x509.Certificate:
        """A CA certificate (CA:TRUE pathlen 0, critical) issued by the test root, shaped like the
        issuing CA but with the given KeyUsage (critical), or none for bits=None."""
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certaudit samples"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        exts = [(x509.BasicConstraints(ca=True, path_length=0), True)]
        if bits is not None:
            exts.append((ku(*bits), True))
        return build(label=label, subject=name, key_=key(label, "rsa2048"), issuer=(root, root_key), exts=exts)

    # Role "intermediate" (CA, not self-issued): no browser/vendor/cabf rule applies, only rfc5280.
    c = sub_ca("ca-ku-no-keycertsign", "certaudit Test CA without keyCertSign", ["DS", "CRL"])
    assert _ku_bits(c) == {"DS", "CRL"}
    out("ca/ca-ku-no-keycertsign.crt", pem(c))
    expect("ca/ca-ku-no-keycertsign.crt",
           "CA certificate (CA:TRUE, under the test root) whose KeyUsage {DS,cRLSign} lacks keyCertSign",
           ("CN=certaudit Test CA without keyCertSign,O=certaudit samples", ["rfc5280.ca-lacks-key-cert-sign"]))

    c = sub_ca("ca-without-ku", "certaudit Test CA without KeyUsage", None)
    assert _ku_bits(c) is None
    out("ca/ca-without-ku.crt", pem(c))
    expect("ca/ca-without-ku.crt", "CA certificate (CA:TRUE, under the test root) with no KeyUsage extension",
           ("CN=certaudit Test CA without KeyUsage,O=certaudit samples", ["rfc5280.ca-without-key-usage"]))

    # mkcert-style development root: CA:TRUE pathlen 0, KU {keyCertSign, cRLSign}, no SAN, no EKU. On disk
    # it is a CA and only CA rules judge it; served directly by a TLS server (mkcert#253) Chrome/Edge
    # reject it with ERR_SSL_KEY_USAGE_INCOMPATIBLE (see the live-endpoint tests).
    mk_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mkcert development CA"),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "root@build01"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "mkcert root@build01")])
    c = build(label="mkcert-style-root", subject=mk_name, key_=key("mkcert-style-root", "rsa2048"),
              exts=[(ku("KCS", "CRL"), True), (x509.BasicConstraints(ca=True, path_length=0), True)])
    out("ca/mkcert-style-root.crt", pem(c))
    expect("ca/mkcert-style-root.crt",
           "mkcert-style development root (CA:TRUE, KU {keyCertSign, cRLSign}, no SAN/EKU): a CA on disk, "
           "but Chrome rejects it when a server presents it as its own certificate (mkcert#253)",
           ("CN=mkcert root@build01,OU=root@build01,O=mkcert development CA", []))

    # ---------------- `openssl req -x509` self-signed server certificates (CA:TRUE by default) ----------------
    LOCAL = ["DNS:localhost", "IP:127.0.0.1"]
    LONG = "cabf.validity-too-long"
    CA_SERVER = "browser.ca-marked-server-certificate"
    c, _ = req_x509("req-x509-ca-ke-de", "localhost", ["KE", "DE"], names=LOCAL)
    check_req_x509_shape(c, ["subjectAltName=DNS:localhost,IP:127.0.0.1", "keyUsage=keyEncipherment,dataEncipherment"])
    out("tls/req-x509-ca-ke-de.crt", pem(c))
    expect("tls/req-x509-ca-ke-de.crt",
           "openssl req -x509 style: CA:TRUE, SAN localhost + 127.0.0.1, KU {KE,DE}: judged as a server "
           "certificate (Chrome/Edge: ERR_SSL_KEY_USAGE_INCOMPATIBLE)",
           ("CN=localhost", [CA_SERVER, "browser.ku-lacks-digital-signature", "rfc5280.ca-lacks-key-cert-sign",
                             "cabf.eku-server-auth", "cabf.rsa-ku-data-encipherment", LONG]))

    c, _ = req_x509("req-x509-ca-ds-ke", "localhost", ["DS", "KE"], names=LOCAL)
    check_req_x509_shape(c, ["subjectAltName=DNS:localhost,IP:127.0.0.1", "keyUsage=digitalSignature,keyEncipherment"])
    out("tls/req-x509-ca-ds-ke.crt", pem(c))
    expect("tls/req-x509-ca-ds-ke.crt",
           "openssl req -x509 style: CA:TRUE, SAN localhost + 127.0.0.1, KU {DS,KE}: loads in Chrome/Edge",
           ("CN=localhost", [CA_SERVER, "rfc5280.ca-lacks-key-cert-sign", "cabf.eku-server-auth", LONG]))

    c, _ = req_x509("req-x509-ca-no-ku", "localhost", None, names=LOCAL)
    check_req_x509_shape(c, ["subjectAltName=DNS:localhost,IP:127.0.0.1"])
    out("tls/req-x509-ca-no-ku.crt", pem(c))
    expect("tls/req-x509-ca-no-ku.crt",
           "openssl req -x509 style: CA:TRUE, SAN localhost + 127.0.0.1, no KeyUsage: loads in Chrome/Edge",
           ("CN=localhost", [CA_SERVER, "rfc5280.ca-without-key-usage", "cabf.eku-server-auth", "cabf.ku-absent", LONG]))

    c, _ = req_x509("req-x509-ca-serverauth-no-san", "intranet.corp.example.com", ["KE"], ekus=(SERVER,))
    check_req_x509_shape(c, ["keyUsage=keyEncipherment", "extendedKeyUsage=serverAuth"])
    out("tls/req-x509-ca-serverauth-no-san.crt", pem(c))
    expect("tls/req-x509-ca-serverauth-no-san.crt",
           "openssl req -x509 style: CA:TRUE, no SAN but EKU serverAuth (server-shaped), KU {KE}",
           ("CN=intranet.corp.example.com", [CA_SERVER, "browser.ku-lacks-digital-signature", "browser.no-dns-or-ip-san",
                                             "rfc5280.ca-lacks-key-cert-sign", "cabf.cn-not-in-san", LONG]))

    def leaf(label: str, host: str | None, kind: str, bits, *, ekus=(SERVER,), issuer=ICA,
             nb=DEFAULT_NOT_BEFORE, na=DEFAULT_NOT_AFTER, with_san=True, rsa_padding=None):
        """bits=None: no KeyUsage extension; ekus=None: no ExtendedKeyUsage extension."""
        k = key(label, kind)
        exts = []
        if issuer is not None:
            exts.append((x509.BasicConstraints(ca=False, path_length=None), True))
        if bits is not None:
            exts.append((ku(*bits), True))
        if ekus is not None:
            exts.append((eku(*ekus), False))
        if with_san:
            exts.append((san(host), False))
        return build(label=label, subject=cn(host), key_=k, issuer=issuer, not_before=nb,
                     not_after=na, exts=exts, rsa_padding=rsa_padding), k


    # ---------------- Other leaf cases ----------------
    good_rsa, good_rsa_key = leaf("good-rsa", "www.example.com", "rsa2048", ["DS", "KE"])
    out("tls/good-rsa.crt", pem(good_rsa))
    GOOD_RSA = ("CN=www.example.com", [LONG])
    expect("tls/good-rsa.crt",
           "Well-formed RSA server leaf (KU {DS,KE} critical) with a 10-year validity: only the CA/B validity rule "
           "fires (no vendor made it, so vendor guidance does not apply)", GOOD_RSA)

    good_ec, _ = leaf("good-ec-p256", "ec.example.com", "p256", ["DS"], na=d(2027, 2, 10))
    out("tls/good-ec-p256.crt", pem(good_ec))
    GOOD_EC = ("CN=ec.example.com", [])  # 394 days valid, 71 days left
    expect("tls/good-ec-p256.crt",
           "Best-practice EC P-256 leaf (KU {DS}, 394 days): clean in browser, rfc5280 and cabf profiles", GOOD_EC)

    c, _ = leaf("rsa-ds-only", "rsa-ds.example.com", "rsa2048", ["DS"])
    out("tls/rsa-ds-only.crt", pem(c))
    expect("tls/rsa-ds-only.crt",
           "RSA leaf with KU {digitalSignature} only: fine for TLS 1.3 and ECDHE, fails where the server forces TLS 1.2 "
           "plain RSA key exchange (browser.negotiated-rsa-ku-lacks-key-encipherment on such a live server)",
           ("CN=rsa-ds.example.com", ["browser.rsa-ku-lacks-key-encipherment", LONG]))

    c, _ = leaf("ec-key-encipherment", "ec-ke.example.com", "p256", ["DS", "KE"])
    out("tls/ec-key-encipherment.crt", pem(c))
    expect("tls/ec-key-encipherment.crt", "EC key with keyEncipherment (meaningless for EC)",
           ("CN=ec-ke.example.com", ["rfc5280.ec-key-encipherment", "cabf.ec-ku-encipherment", LONG]))

    c, _ = leaf("ec-p384-ku-no-ds", "ec384.example.com", "p384", ["KA"])
    out("tls/ec-p384-ku-no-ds.crt", pem(c))
    expect("tls/ec-p384-ku-no-ds.crt", "EC P-384 leaf with KU {keyAgreement} only -- lacks digitalSignature",
           ("CN=ec384.example.com", ["browser.ku-lacks-digital-signature", "cabf.ec-ku-lacks-digital-signature",
                                     LONG]))

    c, _ = leaf("cn-only", "cn-only.example.com", "rsa2048", ["DS", "KE"], with_san=False)
    out("tls/cn-only.crt", pem(c))
    expect("tls/cn-only.crt", "Host name only in the subject CN, no SAN extension",
           ("CN=cn-only.example.com", ["browser.no-dns-or-ip-san", "cabf.cn-not-in-san", LONG]))

    c, _ = leaf("sha1-signature", "sha1.example.com", "rsa2048", ["DS", "KE"])
    c = resign_legacy(c, int_key, "sha1")
    out("tls/sha1-signature.crt", pem(c))
    expect("tls/sha1-signature.crt", "Leaf signed by the issuing CA with sha1WithRSAEncryption",
           ("CN=sha1.example.com", ["browser.weak-signature-hash", LONG]))

    c, _ = leaf("md5-signature", "md5.example.com", "rsa2048", ["DS", "KE"])
    c = resign_legacy(c, int_key, "md5")
    out("tls/md5-signature.crt", pem(c))
    expect("tls/md5-signature.crt", "Leaf signed by the issuing CA with md5WithRSAEncryption",
           ("CN=md5.example.com", ["browser.weak-signature-hash", LONG]))

    c, _ = leaf("rsa-1024", "rsa1024.example.com", "rsa1024", ["DS", "KE"])
    out("tls/rsa-1024.crt", pem(c))
    expect("tls/rsa-1024.crt", "RSA-1024 leaf key",
           ("CN=rsa1024.example.com", ["browser.rsa-key-too-small", LONG]))

    c, _ = leaf("dsa-2048", "dsa.example.com", "dsa2048", ["DS"], issuer=None)
    keep_or("tls/dsa-2048.crt", c)
    expect("tls/dsa-2048.crt", "Self-signed DSA-2048 leaf (dsa-with-SHA256): a key type browsers do not accept",
           ("CN=dsa.example.com", ["browser.unsupported-key-algorithm", LONG]))

    c, _ = leaf("rsa-pss", "pss.example.com", "rsa2048", ["DS", "KE"], issuer=None,
                rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), 32))
    keep_or("tls/rsa-pss.crt", c)
    expect("tls/rsa-pss.crt",
           "Self-signed RSA leaf (rsaEncryption key) signed with RSASSA-PSS SHA-256/MGF1-SHA-256/salt 32: "
           "parses and is not weak",
           ("CN=pss.example.com", [LONG]))

    c, _ = leaf("expired", "expired.example.com", "rsa2048", ["DS", "KE"], nb=d(2018, 1, 1), na=d(2020, 1, 1))
    out("tls/expired.crt", pem(c))
    expect("tls/expired.crt", "Expired in 2020 (validity started before 2020-09-01, so no CA/B length limit)",
           ("CN=expired.example.com", ["browser.expired"]))

    c, _ = leaf("not-yet-valid", "future.example.com", "rsa2048", ["DS", "KE"], nb=d(2040, 1, 1), na=d(2041, 1, 1))
    out("tls/not-yet-valid.crt", pem(c))
    expect("tls/not-yet-valid.crt", "Valid only from 2040; 366 days exceeds the 200-day limit for notBefore >= 2026-03-15",
           ("CN=future.example.com", ["browser.not-yet-valid", LONG]))

    c, _ = leaf("expiring-soon", "expiring.example.com", "rsa2048", ["DS", "KE"],
                nb=d(2026, 6, 1), na=d(2026, 12, 15))
    out("tls/expiring-soon.crt", pem(c))
    expect("tls/expiring-soon.crt", "Expires 14 days after the reference time; 197-day validity is within the 200-day limit",
           ("CN=expiring.example.com", ["browser.expiring-soon"]))

    c, _ = leaf("client-auth-only", "client.example.com", "rsa2048", ["DS", "KE"], ekus=(CLIENT,))
    out("tls/client-auth-only.crt", pem(c))
    expect("tls/client-auth-only.crt",
           "Host-named leaf whose EKU is clientAuth only: not server-capable, so no KU/cabf findings",
           ("CN=client.example.com", ["browser.eku-lacks-server-auth"]))

    c, _ = leaf("ku-empty", "ku-empty.example.com", "rsa2048", [])
    assert c.extensions.get_extension_for_class(x509.KeyUsage).value.public_bytes() == b"\x03\x01\x00"
    assert pem_from_der(der(c)) == pem(c)  # pem_from_der lays PEM out exactly like cryptography
    out("tls/ku-empty.crt", pem(c))
    expect("tls/ku-empty.crt", "KeyUsage present with no bit set (zero-length BIT STRING 03 01 00)",
           ("CN=ku-empty.example.com", ["browser.ku-lacks-digital-signature", "browser.rsa-ku-lacks-key-encipherment",
                                        "rfc5280.ku-no-bits", LONG]))

    c, _ = leaf("keycertsign-leaf", "keycertsign.example.com", "rsa2048", ["DS", "KE", "KCS"])
    out("tls/keycertsign-leaf.crt", pem(c))
    expect("tls/keycertsign-leaf.crt", "CA:FALSE leaf asserting keyCertSign",
           ("CN=keycertsign.example.com", ["rfc5280.key-cert-sign-without-ca", "cabf.ku-forbidden-bits", LONG]))

    c, _ = leaf("no-ku-selfsigned", "plain.example.com", "rsa2048", None, issuer=None)
    out("tls/no-ku-selfsigned.crt", pem(c))
    expect("tls/no-ku-selfsigned.crt",
           "Self-signed, no KeyUsage, SAN has no short name: NOT the installer shape, so no vendor finding",
           ("CN=plain.example.com", ["cabf.ku-absent", LONG]))

    c, _ = leaf("no-eku", "noeku.example.com", "rsa2048", ["DS", "KE"], ekus=None)
    assert _ext(c, x509.ExtendedKeyUsage) is None
    out("tls/no-eku.crt", pem(c))
    expect("tls/no-eku.crt",
           "Leaf without an ExtendedKeyUsage extension: usable for any purpose, so server-capable; "
           "CA/B requires an explicit serverAuth",
           ("CN=noeku.example.com", ["cabf.eku-server-auth", LONG]))

    # encipherOnly without keyAgreement: cryptography's KeyUsage refuses it (and cannot even parse
    # it back), so build {DS,KE,KA} and swap the BIT STRING for {DS,KE,EO}. Both are one content
    # octet: 03 02 03 A8 (bits 0,2,4; 3 unused) -> 03 02 00 A1 (bits 0,2,7; 0 unused).
    c, _ = leaf("encipher-only", "encipher-only.example.com", "rsa2048", ["DS", "KE", "KA"])
    ku_ds_ke_ka = ku("DS", "KE", "KA").public_bytes()
    ku_ds_ke_eo = bytes.fromhex("030200a1")
    assert ku_ds_ke_ka == bytes.fromhex("030203a8")
    ku_oid_crit = bytes.fromhex("0603551d0f0101ff0404")  # extnID keyUsage, critical TRUE, OCTET STRING (4)
    cert_der = resign_swapped(c, int_key, ku_oid_crit + ku_ds_ke_ka, ku_oid_crit + ku_ds_ke_eo)
    shown = openssl("x509", "-inform", "DER", "-noout", "-ext", "keyUsage", stdin=cert_der).decode().splitlines()
    assert [x.strip() for x in shown] == ["X509v3 Key Usage: critical",
                                          "Digital Signature, Key Encipherment, Encipher Only"], shown
    out("tls/encipher-only.crt", pem_from_der(cert_der))
    expect("tls/encipher-only.crt",
           "KeyUsage {DS,KE,encipherOnly} without keyAgreement (BIT STRING 03 02 00 A1; built by re-encoding "
           "the TBS, since cryptography refuses it)",
           ("CN=encipher-only.example.com", ["rfc5280.encipher-decipher-only-without-key-agreement",
                                             "cabf.ku-forbidden-bits", LONG]))

    # Negative serial: cryptography refuses to build one, so swap the serial INTEGER of a normal
    # build (16 octets, first octet 0x01..0x7f) for one whose first octet is 0x80 -- same length,
    # minimal DER, value -2^127 + (the remaining 15 octets).
    c, _ = leaf("negative-serial", "negative-serial.example.com", "rsa2048", ["DS", "KE"])
    pos_octets = c.serial_number.to_bytes(16, "big")
    neg_octets = b"\x80" + pos_octets[1:]
    neg_value = int.from_bytes(neg_octets, "big", signed=True)
    assert neg_value < 0
    cert_der = resign_swapped(c, int_key, der_tlv(0x02, pos_octets), der_tlv(0x02, neg_octets))
    shown = openssl("x509", "-inform", "DER", "-noout", "-serial", stdin=cert_der).decode().strip()
    assert shown == f"serial=-{(-neg_value).to_bytes(16, 'big').hex().upper()}", shown
    out("tls/negative-serial.crt", pem_from_der(cert_der))
    expect("tls/negative-serial.crt",
           "Serial number INTEGER is negative (16 octets, first octet 0x80; built by re-encoding the TBS, "
           "since cryptography refuses it)",
           ("CN=negative-serial.example.com", ["rfc5280.serial-number-invalid", LONG]))

    # An issuing CA that expired in 2024, and a leaf it issued: served together, the chain has an
    # expired intermediate (browser.expired on certificate 2 of the presented chain).
    old_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certaudit samples"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "certaudit Test Expired Issuing CA")])
    old_key = key("expired-intermediate-ca", "rsa2048")
    old_ca = build(label="expired-intermediate-ca", subject=old_name, key_=old_key, issuer=(root, root_key),
                   not_before=d(2020, 1, 1), not_after=d(2024, 1, 1),
                   exts=[(x509.BasicConstraints(ca=True, path_length=0), True), (ku("DS", "KCS", "CRL"), True)])
    out("ca/expired-intermediate-ca.crt", pem(old_ca))
    OLD_SUBJ = "CN=certaudit Test Expired Issuing CA,O=certaudit samples"
    expect("ca/expired-intermediate-ca.crt", "Issuing CA under the test root that expired on 2024-01-01",
           (OLD_SUBJ, ["browser.expired"]))
    c, _ = leaf("issued-by-expired-ca", "old-ca.example.com", "rsa2048", ["DS", "KE"], issuer=(old_ca, old_key),
                nb=d(2023, 6, 1), na=d(2027, 6, 1))
    out("tls/issued-by-expired-ca.crt", pem(c))
    expect("tls/issued-by-expired-ca.crt",
           "Valid leaf (2023-06-01 to 2027-06-01) issued by the expired issuing CA; clean on its own",
           ("CN=old-ca.example.com", [LONG]))
    out("bundle/chain-expired-intermediate.pem", pem(c) + pem(old_ca))
    expect("bundle/chain-expired-intermediate.pem",
           "Leaf issued-by-expired-ca and its issuing CA, expired on 2024-01-01: an expired intermediate",
           ("CN=old-ca.example.com", [LONG]), (OLD_SUBJ, ["browser.expired"]))

    # ---------------- Bundles and containers ----------------
    chain = [good_rsa, inter, root]
    out("bundle/chain-with-text.pem", chain_with_text(chain))
    expect("bundle/chain-with-text.pem",
           "PEM chain (leaf, issuing CA, root) with s_client/x509 -text style prose around the blocks",
           GOOD_RSA, (INT_SUBJ, []), (ROOT_SUBJ, []))

    out("bundle/chain-crlf.pem", b"".join(pem(x) for x in chain).replace(b"\n", b"\r\n"))
    expect("bundle/chain-crlf.pem", "The same chain with CRLF line endings and nothing between the blocks",
           GOOD_RSA, (INT_SUBJ, []), (ROOT_SUBJ, []))

    out("bundle/chain-out-of-order.pem", b"".join(pem(x) for x in [good_rsa, root, inter]))
    expect("bundle/chain-out-of-order.pem",
           "Leaf, root, issuing CA: out of issuing order (judged as a presented chain, browser.chain-out-of-order)",
           GOOD_RSA, (ROOT_SUBJ, []), (INT_SUBJ, []))

    # The leaf's signature with its last octet flipped: names and key identifiers still chain, the
    # signature does not verify (browser.chain-bad-signature, judged as a presented chain).
    bad_leaf = bytearray(der(good_rsa))
    bad_leaf[-1] ^= 0x01
    out("bundle/chain-bad-signature.pem", pem_from_der(bytes(bad_leaf)) + pem(inter) + pem(root))
    expect("bundle/chain-bad-signature.pem",
           "Leaf (good-rsa with one signature octet flipped), issuing CA, root: the leaf's signature does not "
           "verify with the issuing CA's key (browser.chain-bad-signature on a presented chain)",
           GOOD_RSA, (INT_SUBJ, []), (ROOT_SUBJ, []))

    ec_chain = [good_ec, inter, root]
    with tempfile.TemporaryDirectory() as tmp:
        cf = Path(tmp) / "chain.pem"
        cf.write_bytes(b"".join(pem(x) for x in ec_chain))
        # openssl keeps the given order; cryptography's pkcs7 serializer sorts the SET.
        out("bundle/chain.p7b", openssl("crl2pkcs7", "-nocrl", "-certfile", str(cf), "-outform", "DER"))
        out("bundle/chain-pem.p7b", openssl("crl2pkcs7", "-nocrl", "-certfile", str(cf), "-outform", "PEM"))
    expect("bundle/chain.p7b", "PKCS#7 certs-only bundle, DER (leaf good-ec-p256, issuing CA, root)",
           GOOD_EC, (INT_SUBJ, []), (ROOT_SUBJ, []))
    expect("bundle/chain-pem.p7b", "The same PKCS#7 bundle as PEM (BEGIN PKCS7)",
           GOOD_EC, (INT_SUBJ, []), (ROOT_SUBJ, []))

    out("bundle/trusted.pem", openssl("x509", "-in", str(HERE / "ca/test-root-ca.crt"),
                                      "-addtrust", "serverAuth", "-trustout"))
    expect("bundle/trusted.pem", "OpenSSL TRUSTED CERTIFICATE block (certificate + trust aux data) for the root",
           (ROOT_SUBJ, []))

    key_pem = good_rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    os.chmod(out("bundle/mixed-key-and-cert.pem", key_pem + pem(good_rsa)), 0o644)
    expect("bundle/mixed-key-and-cert.pem",
           "PRIVATE KEY block (good-rsa's own key) followed by the good-rsa certificate, mode 0644: the key "
           "belongs to the certificate but every user can read it (files.private-key-exposed; the tests "
           "set this mode, which a checkout's umask decides)",
           ("CN=www.example.com", GOOD_RSA[1] + ["files.private-key-exposed"]))

    # ---------------- Bad inputs ----------------
    lines = pem(good_rsa).decode().splitlines()
    body = lines[1:-1]
    half = len(body) // 2
    out("bad/truncated.pem", "\n".join([lines[0], *body[:half], body[half][:37]]))
    expect("bad/truncated.pem", "Certificate PEM cut in the middle of a base64 line, no END line", status="error", problems=["pem.truncated"])

    broken = list(body)
    # Replace (not insert) characters so even a decoder that skips non-alphabet
    # characters ends up with a wrong length and corrupted DER.
    broken[5] = broken[5][:30] + "!!!" + broken[5][33:]
    broken[11] = broken[11][:10] + "@@@" + broken[11][13:]
    out("bad/bad-base64.pem", "\n".join([lines[0], *broken, lines[-1]]) + "\n")
    expect("bad/bad-base64.pem", "BEGIN/END CERTIFICATE around invalid base64 ('!!!', '@@@')", status="error", problems=["pem.bad-base64"])

    out("bad/truncated.der", der(good_rsa)[:300])
    expect("bad/truncated.der", "First 300 bytes of a DER certificate", status="error", problems=["der.truncated"])

    g = bytearray(det_bytes("garbage.crt", 2048))
    g[0] = 0xA7  # neither 0x30 (DER SEQUENCE) nor '-' (PEM)
    out("bad/garbage.crt", bytes(g))
    expect("bad/garbage.crt", "2 KiB of random bytes named like a certificate", status="error", problems=["input.no-certificate-data"])

    j = bytearray(det_bytes("junk.bin", 4096))
    j[0] = 0x5C
    out("bad/junk.bin", bytes(j))
    expect("bad/junk.bin", "4 KiB of random bytes with a non-certificate name", status="skipped")

    out("bad/notes.txt", "Renewal notes for vone01.corp.example.com\n\n"
                         "- ask the PKI team for a web server certificate (KU digitalSignature + keyEncipherment)\n"
                         "- import it in the Veeam ONE web client settings\n"
                         "- this file contains no certificate\n")
    expect("bad/notes.txt", "Plain text with no certificate", status="skipped")

    pk = key("private-key-only", "rsa2048")
    out("bad/private-key-only.pem", pk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    expect("bad/private-key-only.pem", "Only a PKCS#8 PRIVATE KEY block", status="skipped")

    # ---------------- Certificate signing requests (PKCS#10) ----------------
    # Judged before submission by the rules that make sense for a request: KeyUsage, EKU, names, key.
    def request(label: str, host: str | None, kind: str, bits, *, ekus=(SERVER,), with_san=True,
                keyname: str | None = None):
        k = key(keyname or label, kind)
        b = x509.CertificateSigningRequestBuilder().subject_name(cn(host))
        if bits is not None:
            b = b.add_extension(ku(*bits), True)
        if ekus is not None:
            b = b.add_extension(eku(*ekus), False)
        if with_san:
            b = b.add_extension(san(host), False)
        if isinstance(k, ec.EllipticCurvePrivateKey):
            return b.sign(k, hashes.SHA256(), ecdsa_deterministic=True)
        return b.sign(k, hashes.SHA256())

    r = request("csr", "csr.example.com", "rsa2048", ["DS", "KE"])
    out("csr/server-good.csr", r.public_bytes(serialization.Encoding.PEM))
    expect("csr/server-good.csr", "CSR for a TLS server: KU {DS,KE} critical, EKU serverAuth, DNS SAN -- passes",
           ("CN=csr.example.com", []), document="csr")
    r = request("csr-ke-de", "vone01.corp.example.com", "rsa2048", ["KE", "DE"], keyname="csr")
    out("csr/ku-ke-de.csr", r.public_bytes(serialization.Encoding.PEM))
    expect("csr/ku-ke-de.csr", "CSR asking for KU {KE,DE} (the Veeam ONE <= 10a shape): caught before it is submitted",
           ("CN=vone01.corp.example.com", ["browser.ku-lacks-digital-signature", "cabf.rsa-ku-data-encipherment"]),
           document="csr")
    r = request("csr-ec", "ec-csr.example.com", "p256", ["DS", "KE"])
    out("csr/ec-ku-ke.der", r.public_bytes(serialization.Encoding.DER))
    expect("csr/ec-ku-ke.der", "DER CSR for an EC key asking for keyEncipherment",
           ("CN=ec-csr.example.com", ["rfc5280.ec-key-encipherment", "cabf.ec-ku-encipherment"]), document="csr")
    r = request("csr-cn-only", "cn-only.corp.example.com", "rsa2048", None, ekus=None, with_san=False, keyname="csr")
    out("csr/cn-only.csr", r.public_bytes(serialization.Encoding.PEM))
    expect("csr/cn-only.csr", "CSR with a CN only (no SAN, KeyUsage or EKU requested): browsers need a SAN",
           ("CN=cn-only.corp.example.com", ["browser.no-dns-or-ip-san", "cabf.cn-not-in-san"]), document="csr")

    # ---------------- Java keystores ----------------
    # Written as the JDK writes them (keytool's own output is not reproducible: random salts and times):
    # a JKS with Java's default password (changeit, which certaudit tries) and a JCEKS with the samples'
    # password. Each holds a private-key entry (its chain) and a trusted-certificate entry.
    def pkcs8(k) -> bytes:
        return k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tomcat, tomcat_key = leaf("keystore-tomcat", "tomcat.corp.example.com", "rsa2048", ["KE"], issuer=None)
    out("keystores/tomcat.jks", java_keystore(0xFEEDFEED, [
        ("key", "tomcat", pkcs8(tomcat_key), [der(tomcat)]),
        ("cert", "root", der(root)),
    ], "changeit"))
    expect("keystores/tomcat.jks",
           "JKS (password changeit): a self-signed Tomcat key entry with KU {keyEncipherment} only, and the test root as a trusted entry",
           ("CN=tomcat.corp.example.com", ["browser.ku-lacks-digital-signature", "cabf.validity-too-long"]),
           (root_name.rfc4514_string(), []))
    app, app_key = leaf("keystore-app", "app.corp.example.com", "p256", ["DS"], na=d(2027, 2, 10))
    out("keystores/app.jceks", java_keystore(0xCECECECE, [
        ("key", "app", pkcs8(app_key), [der(app), der(inter), der(root)]),
        ("cert", "issuing-ca", der(inter)),
    ], PASSWORD))
    expect("keystores/app.jceks",
           "JCEKS (password in passwords.txt): a CA-issued EC key entry with its chain, and the issuing CA as a trusted entry",
           ("CN=app.corp.example.com", []), (int_name.rfc4514_string(), []), (root_name.rfc4514_string(), []),
           (int_name.rfc4514_string(), []))

    # ---------------- Certificate revocation lists ----------------
    revoked_leaf, _ = leaf("revoked-leaf", "revoked.example.com", "p256", ["DS"], na=d(2027, 2, 10))
    out("crl/revoked-leaf.crt", pem(revoked_leaf))
    expect("crl/revoked-leaf.crt", "EC leaf like tls/good-ec-p256.crt, but listed by crl/intermediate.crl.pem",
           ("CN=revoked.example.com", ["crl.certificate-revoked"]))

    def crl(issuer, issuer_key, this_update, next_update, revoked=(), number=1):
        b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
             .last_update(this_update).next_update(next_update)
             .add_extension(x509.CRLNumber(number), False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False))
        for sn, when, reason in revoked:
            rb = x509.RevokedCertificateBuilder().serial_number(sn).revocation_date(when)
            if reason is not None:
                rb = rb.add_extension(x509.CRLReason(reason), False)
            b = b.add_revoked_certificate(rb.build())
        return b.sign(issuer_key, hashes.SHA256())

    c = crl(inter, int_key, d(2026, 11, 28), d(2027, 2, 26),
            [(revoked_leaf.serial_number, d(2026, 11, 20), x509.ReasonFlags.key_compromise),
             (serial("revoked-elsewhere"), d(2026, 6, 1), None)], number=42)
    out("crl/intermediate.crl.pem", c.public_bytes(serialization.Encoding.PEM))
    expect("crl/intermediate.crl.pem", "Fresh CRL of the issuing CA (next update 2027-02-26) revoking crl/revoked-leaf.crt",
           (int_name.rfc4514_string(), []), document="crl")
    c = crl(root, root_key, d(2026, 10, 1), d(2026, 11, 1), number=7)
    out("crl/root-stale.crl", c.public_bytes(serialization.Encoding.DER))
    expect("crl/root-stale.crl", "DER CRL of the root whose nextUpdate (2026-11-01) has passed",
           (root_name.rfc4514_string(), ["crl.next-update-passed"]), document="crl")
    c = crl(root, root_key, d(2026, 11, 10), d(2026, 12, 10), number=8)
    out("crl/root-due-soon.crl.pem", c.public_bytes(serialization.Encoding.PEM))
    expect("crl/root-due-soon.crl.pem", "CRL of the root due for renewal in 9 days (within the 30-day horizon)",
           (root_name.rfc4514_string(), ["crl.next-update-soon"]), document="crl")
    # cryptography refuses to build a CRL without nextUpdate (and signs no SHA-1): assembled by hand.
    sha1_rsa = bytes.fromhex("300d06092a864886f70d0101050500")
    crl_number = der_tlv(0x30, der_tlv(0x06, bytes.fromhex("551d14")) + der_tlv(0x04, der_tlv(0x02, b"\x03")))
    tbs = der_tlv(0x30, der_tlv(0x02, b"\x01") + sha1_rsa + root.subject.public_bytes()
                  + der_tlv(0x17, b"261115000000Z") + der_tlv(0xA0, der_tlv(0x30, crl_number)))
    signature = root_key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    out("crl/root-sha1-no-next-update.crl", der_tlv(0x30, tbs + sha1_rsa + der_tlv(0x03, b"\x00" + signature)))
    expect("crl/root-sha1-no-next-update.crl", "DER CRL signed with SHA-1 and without nextUpdate (both against RFC 5280 / BR)",
           (root_name.rfc4514_string(), ["crl.no-next-update", "crl.weak-signature"]), document="crl")

    pfx_modern("bad/wrong-password.pfx", good_rsa, good_rsa_key, "certaudit wrong password", WRONG_PASSWORD)
    expect("bad/wrong-password.pfx",
           f"Valid AES PKCS#12 whose password ('{WRONG_PASSWORD}') is not in passwords.txt", status="error", problems=["pkcs12.wrong-password"])

    # PKCS#12 files whose iteration counts (2^31-1) would stall any reader for many minutes per password:
    # made from veeam/vspc-5.pfx by re-encoding one INTEGER (the MAC is dropped where the change would
    # break it, so that a reader reaches the changed count). certaudit refuses them before any KDF runs.
    base = (HERE / "veeam/vspc-5.pfx").read_bytes()
    huge = der_tlv(0x02, (2**31 - 1).to_bytes(4, "big"))
    version, auth_safe, mac = der_children(base)
    assert der_children(mac)[2][0] == 0x02  # MacData: DigestInfo, salt, iterations
    out("bad/pfx-mac-iterations.pfx", der_tlv(0x30, version + auth_safe + der_tlv(0x30, b"".join(der_children(mac)[:2]) + huge)))
    expect("bad/pfx-mac-iterations.pfx", "PKCS#12 whose MAC asks for 2^31-1 iterations (refused before any KDF runs)",
           status="error", problems=["pkcs12.iteration-limit"])
    no_mac = der_tlv(0x30, version + auth_safe)
    # authSafe → [0] → OCTET STRING → AuthenticatedSafe → ContentInfo 0 (encryptedData: the certificates)
    # → [0] → EncryptedData → EncryptedContentInfo → AlgorithmIdentifier → PBE parameters → iterations.
    out("bad/pfx-safe-iterations.pfx", der_rewrite(no_mac, [1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1], lambda _: huge))
    expect("bad/pfx-safe-iterations.pfx",
           "PKCS#12 without MAC whose certificate safe's PBE asks for 2^31-1 iterations", status="error", problems=["pkcs12.iteration-limit"])
    # … ContentInfo 1 (data: the key) → [0] → OCTET STRING → SafeContents → SafeBag → [0] →
    # EncryptedPrivateKeyInfo → AlgorithmIdentifier → PBE parameters → iterations.
    out("bad/pfx-keybag-iterations.pfx", der_rewrite(no_mac, [1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1], lambda _: huge))
    expect("bad/pfx-keybag-iterations.pfx",
           "PKCS#12 without MAC whose shrouded key bag asks for 2^31-1 iterations", status="error", problems=["pkcs12.iteration-limit"])

    out("passwords.txt", PASSWORD + "\n")

    # ---------------- Cross-check, then write the expectations ----------------
    problems = crosscheck()
    if problems:
        print("EXPECTATION MISMATCH -- EXPECTED.json not written:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        sys.exit(1)
    write_expected()
    print(f"wrote {len(WRITTEN)} files under {HERE}; {len(EXPECTED)} samples cross-checked OK")


# ---------------------------------------------------------------------------
# chain-with-text.pem
# ---------------------------------------------------------------------------

_SHORT = {NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATION_NAME: "O"}
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def oneline(name: x509.Name) -> str:  # like OpenSSL 3's default "-nameopt oneline"
    return ", ".join(f"{_SHORT[a.oid]} = {a.value}" for a in name)


def gmt(t: dt.datetime) -> str:
    return f"{_MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S} {t.year} GMT"


def chain_with_text(chain: list[x509.Certificate]) -> bytes:
    leaf_, inter, root = chain
    fp = hashlib.sha256(der(root)).hexdigest().upper()
    s = [
        "Pasted from a support ticket -- server certificate chain for www.example.com",
        "(captured with: openssl s_client -connect www.example.com:443 -showcerts)",
        "",
        "CONNECTED(00000003)",
        "---",
        "Certificate chain",
        f" 0 s:{oneline(leaf_.subject)}",
        f"   i:{oneline(leaf_.issuer)}",
        "   a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256",
        f"   v:NotBefore: {gmt(leaf_.not_valid_before_utc)}; NotAfter: {gmt(leaf_.not_valid_after_utc)}",
        pem(leaf_).decode().rstrip("\n"),
        f" 1 s:{oneline(inter.subject)}",
        f"   i:{oneline(inter.issuer)}",
        "   a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256",
        f"   v:NotBefore: {gmt(inter.not_valid_before_utc)}; NotAfter: {gmt(inter.not_valid_after_utc)}",
        pem(inter).decode().rstrip("\n"),
        "---",
        "",
        "Root CA (from: openssl x509 -in root.crt -text -subject -issuer):",
        f"subject={oneline(root.subject)}",
        f"issuer={oneline(root.issuer)}",
        "Certificate:",
        "    Data:",
        "        Version: 3 (0x2)",
        "        Serial Number:",
        "            " + ":".join(f"{b:02x}" for b in root.serial_number.to_bytes(16, "big")),
        "        Signature Algorithm: sha256WithRSAEncryption",
        f"        Issuer: {oneline(root.issuer)}",
        "        Validity",
        f"            Not Before: {gmt(root.not_valid_before_utc)}",
        f"            Not After : {gmt(root.not_valid_after_utc)}",
        f"        Subject: {oneline(root.subject)}",
        "        X509v3 extensions:",
        "            X509v3 Basic Constraints: critical",
        "                CA:TRUE",
        "            X509v3 Key Usage: critical",
        "                Certificate Sign, CRL Sign",
        f"sha256 Fingerprint={':'.join(fp[i:i + 2] for i in range(0, len(fp), 2))}",
        pem(root).decode().rstrip("\n"),
        "",
        "-- end of paste --",
        "",
    ]
    return "\n".join(s).encode()


# ---------------------------------------------------------------------------
# Independent re-evaluation of the rule definitions (cross-check)
# ---------------------------------------------------------------------------

_PEM_BLOCK = re.compile(
    rb"-----BEGIN (CERTIFICATE|X509 CERTIFICATE|TRUSTED CERTIFICATE|PKCS7)-----(.*?)-----END \1-----", re.S)
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$", re.I)

_SIG_HASH = {
    "1.2.840.113549.1.1.4": "md5", "1.2.840.113549.1.1.5": "sha1", "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384", "1.2.840.113549.1.1.13": "sha512", "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384", "2.16.840.1.101.3.4.3.2": "sha256", "1.2.840.113549.1.1.2": "md2",
    "1.2.840.113549.1.1.3": "md4", "1.3.14.3.2.29": "sha1", "1.2.840.10045.4.1": "sha1",
    "1.2.840.10040.4.3": "sha1",
}
_KU_BITS = ["DS", "NR", "KE", "DE", "KA", "KCS", "CRL", "EO", "DO"]
_PRODUCT_KU = [  # (product/version, KU set or None for "no KeyUsage")
    ("Veeam ONE <=10a", {"KE", "DE"}), ("Veeam ONE 11", {"DS", "KE", "DE"}),
    ("Veeam ONE >=11a", {"DS", "NR", "KE", "DE"}), ("VSPC <=5", {"KE", "DE"}),
    ("VSPC >=6", {"DS", "NR", "KE", "DE"}), ("VBEM <=10a", {"KE", "DE"}), ("VBEM >=11", None),
]


def _certs_from_der_pkcs7(buf: bytes) -> list[bytes]:
    _, s, _ = der_read(buf)                 # ContentInfo
    _, _, oid_end = der_read(buf, s)        # contentType OID
    _, cs, _ = der_read(buf, oid_end)       # [0] EXPLICIT
    _, sd, sde = der_read(buf, cs)          # SignedData
    pos, certs = sd, []
    while pos < sde:
        tag, a, b = der_read(buf, pos)
        if tag == 0xA0:                     # certificates [0] IMPLICIT
            p = a
            while p < b:
                _, _, y = der_read(buf, p)
                certs.append(buf[p:y])
                p = y
        pos = b
    return certs


FRIENDLY_NAMES: dict[bytes, str] = {}  # certificate DER -> PKCS#12 friendlyName, filled by _load_file


# Reading these is the denial of service they demonstrate (2^31-1 PBKDF iterations): never load them.
_NEVER_LOAD = {"bad/pfx-mac-iterations.pfx", "bad/pfx-safe-iterations.pfx", "bad/pfx-keybag-iterations.pfx"}


def _load_file(rel: str) -> list[x509.Certificate] | None:
    if rel in _NEVER_LOAD:
        return None
    data = (HERE / rel).read_bytes()
    if data[:4] in (bytes.fromhex("feedfeed"), bytes.fromhex("cececece")):
        found = read_java_keystore(data)
        for alias, d in found:
            FRIENDLY_NAMES.setdefault(d, alias)
        return [x509.load_der_x509_certificate(d) for _, d in found]
    if rel.endswith(".pfx"):
        try:
            p12 = pkcs12.load_pkcs12(data, PASSWORD.encode())
            bags = ([p12.cert] if p12.cert else []) + list(p12.additional_certs)
            for bag in bags:
                if bag.friendly_name is not None:
                    FRIENDLY_NAMES[der(bag.certificate)] = bag.friendly_name.decode()
            return [bag.certificate for bag in bags]
        except Exception:
            try:  # legacy RC2-40 may need OpenSSL's legacy provider
                p = openssl("pkcs12", "-in", str(HERE / rel), "-nokeys", "-legacy", "-passin",
                            "env:CERTAUDIT_PFX_PASSWORD", env_extra={"CERTAUDIT_PFX_PASSWORD": PASSWORD})
                certs = x509.load_pem_x509_certificates(p)
                names = re.findall(rb"friendlyName: (.*)\n", p)
                if len(names) == len(certs):
                    for c, n in zip(certs, names):
                        FRIENDLY_NAMES[der(c)] = n.decode()
                return certs
            except RuntimeError:
                return None
    if data.startswith(b"\x30"):
        try:
            if rel.endswith(".p7b"):
                return [x509.load_der_x509_certificate(x) for x in _certs_from_der_pkcs7(data)]
            return [x509.load_der_x509_certificate(data)]
        except Exception:
            return None
    certs = []
    for m in _PEM_BLOCK.finditer(data):
        try:
            raw = base64.b64decode(re.sub(rb"\s+", b"", m.group(2)), validate=True)
            if m.group(1) == b"PKCS7":
                certs += [x509.load_der_x509_certificate(x) for x in _certs_from_der_pkcs7(raw)]
            else:
                _, _, end = der_read(raw)   # TRUSTED CERTIFICATE: cert followed by aux data
                certs.append(x509.load_der_x509_certificate(raw[:end]))
        except Exception:
            return None
    return certs


_KU_OID = bytes.fromhex("0603551d0f")     # extnID id-ce-keyUsage (2.5.29.15), as a DER TLV


def _raw_extensions(cert_der: bytes) -> tuple[int, int, list[tuple[bytes, bytes]]]:
    """The extensions of a DER certificate, straight from the bytes.

    Returns (start, end) of the TBSCertificate's [3] TLV (0, 0 if absent) and a
    list of (extnID OID TLV, whole Extension TLV).
    """
    _, cs, _ = der_read(cert_der)
    _, ts, te = der_read(cert_der, cs)      # TBSCertificate
    pos = ts
    while pos < te:
        tag, a, b = der_read(cert_der, pos)
        if tag == 0xA3:                     # extensions [3] EXPLICIT
            _, xs, xe = der_read(cert_der, a)
            exts, p = [], xs
            while p < xe:
                _, es, q = der_read(cert_der, p)
                _, _, oe = der_read(cert_der, es)
                exts.append((cert_der[es:oe], cert_der[p:q]))
                p = q
            return pos, b, exts
        pos = b
    return 0, 0, []


def _ku_bits(c: x509.Certificate) -> set[str] | None:
    """KeyUsage bits read from the DER, not through x509.KeyUsage (which rejects
    encipherOnly/decipherOnly without keyAgreement, see tls/encipher-only.crt)."""
    found = [x for oid, x in _raw_extensions(der(c))[2] if oid == _KU_OID]
    if not found:
        return None
    (ext,) = found
    _, s, e = der_read(ext)
    _, _, p = der_read(ext, s)              # extnID
    tag, a, b = der_read(ext, p)
    if tag == 0x01:                         # critical BOOLEAN
        tag, a, b = der_read(ext, b)
    assert tag == 0x04 and b == e           # extnValue OCTET STRING
    tag, bs, be = der_read(ext, a)          # the KeyUsage BIT STRING
    assert tag == 0x03 and be == b
    bits = ext[bs + 1:be]
    return {n for i, n in enumerate(_KU_BITS) if i // 8 < len(bits) and bits[i // 8] & (0x80 >> (i % 8))}


def _extensions(c: x509.Certificate) -> x509.Extensions:
    try:
        return c.extensions
    except ValueError:
        # cryptography parses all extensions at once and fails on a KeyUsage it
        # rejects (tls/encipher-only.crt). The KU bits come from _ku_bits, so read
        # the other extensions from a copy without the KeyUsage extension (an
        # unsigned re-assembly, only ever parsed here).
        cert_der = der(c)
        a, b, exts = _raw_extensions(cert_der)
        kept = b"".join(x for oid, x in exts if oid != _KU_OID)
        _, cs, ce = der_read(cert_der)
        _, ts, te = der_read(cert_der, cs)
        tbs = cert_der[ts:a] + der_tlv(0xA3, der_tlv(0x30, kept)) + cert_der[b:te]
        return x509.load_der_x509_certificate(der_tlv(0x30, der_tlv(0x30, tbs) + cert_der[te:ce])).extensions


def _ext(c, cls):
    try:
        return _extensions(c).get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def _key_usage_rules(bits: set[str], has_ku: bool, is_rsa: bool, is_ec: bool, is_ca: bool, leaf_: bool, server: bool,
                     dns: list[str], ips: list[str], cns: list[str]) -> list[str]:
    """The rfc5280 and cabf KeyUsage/name rules that judge certificates and requests alike."""
    f: list[str] = []
    if is_ec and bits & {"KE", "DE"}:
        f.append("rfc5280.ec-key-encipherment")
    if "KCS" in bits and not is_ca:
        f.append("rfc5280.key-cert-sign-without-ca")
    if has_ku and not bits:
        f.append("rfc5280.ku-no-bits")
    if is_ca and has_ku and "KCS" not in bits:
        f.append("rfc5280.ca-lacks-key-cert-sign")
    if bits & {"EO", "DO"} and "KA" not in bits:
        f.append("rfc5280.encipher-decipher-only-without-key-agreement")
    if leaf_ and server:
        if "NR" in bits:
            f.append("cabf.ku-non-repudiation")
        if is_rsa and "DE" in bits:
            f.append("cabf.rsa-ku-data-encipherment")
        if is_ec and bits & {"KE", "DE"}:
            f.append("cabf.ec-ku-encipherment")
        if bits & {"KCS", "CRL", "EO", "DO"} or (is_rsa and "KA" in bits):
            f.append("cabf.ku-forbidden-bits")
        if is_ec and has_ku and "DS" not in bits:
            f.append("cabf.ec-ku-lacks-digital-signature")
        sanvals = {x.lower() for x in dns} | {x.lower() for x in ips}
        if any(v.lower() not in sanvals for v in cns):
            f.append("cabf.cn-not-in-san")
    return f


def evaluate(c: x509.Certificate) -> list[str]:
    f: list[str] = []
    bc = _ext(c, x509.BasicConstraints)
    is_ca = bool(bc and bc.ca)
    self_issued = c.subject.public_bytes() == c.issuer.public_bytes()
    eku_ = _ext(c, x509.ExtendedKeyUsage)
    eku_set = set(eku_) if eku_ is not None else None
    any_eku = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE
    server = eku_set is None or SERVER in eku_set or any_eku in eku_set
    san_ = _ext(c, x509.SubjectAlternativeName)
    dns = san_.get_values_for_type(x509.DNSName) if san_ else []
    ips = [str(i) for i in san_.get_values_for_type(x509.IPAddress)] if san_ else []
    # A self-issued CA shaped like a server certificate (DNS/IP SAN, or EKU serverAuth) is judged as a leaf.
    server_shaped = bool(dns or ips) or (eku_set is not None and SERVER in eku_set)
    if (is_ca or c.version == x509.Version.v1) and self_issued:
        role = "leaf" if is_ca and server_shaped else "root"
    elif is_ca:
        role = "intermediate"
    else:
        role = "leaf"
    leaf_ = role == "leaf"
    cns = [a.value for a in c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    host_named = bool(dns or ips) or any(_HOST.match(v) for v in cns)
    pub = c.public_key()
    is_rsa = isinstance(pub, rsa.RSAPublicKey)
    is_ec = isinstance(pub, ec.EllipticCurvePublicKey)
    kub = _ku_bits(c)
    has_ku = kub is not None
    bits = kub or set()
    sig_oid = c.signature_algorithm_oid.dotted_string
    if sig_oid == "1.2.840.113549.1.1.10":  # RSASSA-PSS: hash from the parameters
        sig_hash = c.signature_hash_algorithm.name
    else:
        sig_hash = _SIG_HASH[sig_oid]
    nb, na = c.not_valid_before_utc, c.not_valid_after_utc
    expired = na < REFERENCE_TIME
    future = nb > REFERENCE_TIME
    days_left = (na - REFERENCE_TIME) // dt.timedelta(days=1)

    # browser
    if leaf_ and server and has_ku and "DS" not in bits:
        f.append("browser.ku-lacks-digital-signature")
    if leaf_ and server and is_rsa and has_ku and "KE" not in bits:
        f.append("browser.rsa-ku-lacks-key-encipherment")
    if leaf_ and is_ca:
        f.append("browser.ca-marked-server-certificate")
    if leaf_ and host_named and eku_set is not None and SERVER not in eku_set and any_eku not in eku_set:
        f.append("browser.eku-lacks-server-auth")
    if leaf_ and server and not dns and not ips:
        f.append("browser.no-dns-or-ip-san")
    if role != "root" and sig_hash in ("md2", "md4", "md5", "sha1"):
        f.append("browser.weak-signature-hash")
    if is_rsa and pub.key_size < 2048:
        f.append("browser.rsa-key-too-small")
    if leaf_ and not (is_rsa or (is_ec and pub.curve.name in ("secp256r1", "secp384r1"))):
        f.append("browser.unsupported-key-algorithm")
    if expired:
        f.append("browser.expired")
    if future:
        f.append("browser.not-yet-valid")
    if not expired and not future and days_left < EXPIRY_DAYS:
        f.append("browser.expiring-soon")

    # vendor: only where a product history recognises the certificate (installer shape or friendlyName)
    shape = False
    if self_issued and leaf_ and is_rsa and len(c.subject.rdns) == 1:
        attrs = list(c.subject.rdns[0])
        if len(attrs) == 1 and attrs[0].oid == NameOID.COMMON_NAME and "." in attrs[0].value \
                and _HOST.match(attrs[0].value):
            fq = attrs[0].value.lower()
            shape = {x.lower() for x in dns} == {fq, fq.split(".")[0]}
    name = FRIENDLY_NAMES.get(der(c), "")
    named = bool(re.search(r"(?i)veeam one|service provider console|vspc|enterprise manager|vbem", name))
    if (shape or named) and leaf_ and server and has_ku and "NR" not in bits:
        f.append("vendor.ku-lacks-non-repudiation")
    matches = shape and any((kus is None and not has_ku) or (kus is not None and has_ku and kus == bits)
                            for _, kus in _PRODUCT_KU)
    if matches and has_ku and "DS" not in bits:
        f.append("vendor.installer-default-incompatible")
    elif matches:
        f.append("vendor.installer-default")

    # rfc5280 and cabf KeyUsage and names (shared with requests), then what only certificates have
    f += _key_usage_rules(bits, has_ku, is_rsa, is_ec, is_ca, leaf_, server, dns, ips, cns)
    if is_ca and not has_ku:
        f.append("rfc5280.ca-without-key-usage")
    sn = c.serial_number
    if sn <= 0 or (sn.bit_length() // 8 + 1) > 20:
        f.append("rfc5280.serial-number-invalid")

    # cabf: what only certificates have
    if leaf_ and server:
        if not has_ku:
            f.append("cabf.ku-absent")
        if eku_set is None or SERVER not in eku_set or any_eku in eku_set:
            f.append("cabf.eku-server-auth")
        days = (na - nb) // dt.timedelta(days=1)
        if (nb >= d(2026, 3, 15) and days > 200) or (nb >= d(2020, 9, 1) and days > 398):
            f.append("cabf.validity-too-long")
    return sorted(f)


def key_findings(rel: str, index: int, certs: list) -> list[str]:
    """The files profile, re-evaluated: a private key in the file (or beside it, same stem .key) is
    judged with the certificate it belongs to (else the first): mismatch, world- or group-readable."""
    path = HERE / rel
    keys = re.findall(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----\n?", path.read_bytes(), re.S)
    key_path = path
    if not keys:
        beside = path.with_suffix(".key")
        if rel.endswith((".crt", ".pem", ".cer", ".cert", ".der")) and beside.exists():
            keys, key_path = [beside.read_bytes()], beside
    if not keys or rel.endswith(".pfx"):
        return []
    try:
        public = serialization.load_pem_private_key(keys[0], password=None).public_key()
    except Exception:
        return []
    owners = [i for i, c in enumerate(certs) if c.public_key() == public]
    if (owners[0] if owners else 0) != index:
        return []
    mode = key_path.stat().st_mode
    found = [] if owners else ["files.private-key-mismatch"]
    folders = [p.stat().st_mode for p in key_path.resolve().parents]
    if mode & 0o004 and all(m & 0o001 for m in folders):
        found.append("files.private-key-exposed")
    elif mode & 0o040 and all(m & 0o010 for m in folders):
        found.append("files.private-key-shared")
    return found


def _load_document(rel: str):
    """A CSR or CRL sample (PEM or DER), or None when the file is a certificate container."""
    data = (HERE / rel).read_bytes()
    if rel.startswith("csr/"):
        if data.startswith(b"-----"):
            return "csr", x509.load_pem_x509_csr(data)
        return "csr", x509.load_der_x509_csr(data)
    if rel.startswith("crl/") and ".crl" in rel:
        if data.startswith(b"-----"):
            return "crl", x509.load_pem_x509_crl(data)
        return "crl", x509.load_der_x509_crl(data)
    return None


def revoked_index() -> set[tuple[bytes, int]]:
    """(issuer name DER, serial) of every entry of the CRL samples, which certaudit reads before any
    certificate because their names say CRL (crl/*.crl, *.crl.pem)."""
    found = set()
    for rel in sorted(set(WRITTEN)):
        doc = _load_document(rel)
        if doc and doc[0] == "crl":
            crl = doc[1]
            found |= {(crl.issuer.public_bytes(), r.serial_number) for r in crl}
    return found


def evaluate_csr(r: x509.CertificateSigningRequest) -> list[str]:
    """The rules that judge requests too (documents: [certificate, csr]), re-evaluated."""
    f: list[str] = []
    def ext(cls):
        try:
            return r.extensions.get_extension_for_class(cls).value
        except x509.ExtensionNotFound:
            return None
    bc = ext(x509.BasicConstraints)
    is_ca = bool(bc and bc.ca)
    leaf_ = not is_ca  # a request has no issuer: never self-issued
    eku_ = ext(x509.ExtendedKeyUsage)
    eku_set = set(eku_) if eku_ is not None else None
    any_eku = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE
    server = eku_set is None or SERVER in eku_set or any_eku in eku_set
    san_ = ext(x509.SubjectAlternativeName)
    dns = san_.get_values_for_type(x509.DNSName) if san_ else []
    ips = [str(i) for i in san_.get_values_for_type(x509.IPAddress)] if san_ else []
    cns = [a.value for a in r.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    host_named = bool(dns or ips) or any(_HOST.match(v) for v in cns)
    pub = r.public_key()
    is_rsa = isinstance(pub, rsa.RSAPublicKey)
    is_ec = isinstance(pub, ec.EllipticCurvePublicKey)
    k = ext(x509.KeyUsage)
    has_ku = k is not None
    bits = set()
    if k is not None:
        pairs = [("DS", k.digital_signature), ("NR", k.content_commitment), ("KE", k.key_encipherment),
                 ("DE", k.data_encipherment), ("KA", k.key_agreement), ("KCS", k.key_cert_sign), ("CRL", k.crl_sign)]
        bits = {n for n, v in pairs if v}
        if k.key_agreement:
            bits |= {n for n, v in [("EO", k.encipher_only), ("DO", k.decipher_only)] if v}
    sig_hash = _SIG_HASH.get(r.signature_algorithm_oid.dotted_string, "unknown")
    if leaf_ and server and has_ku and "DS" not in bits:
        f.append("browser.ku-lacks-digital-signature")
    if leaf_ and server and is_rsa and has_ku and "KE" not in bits:
        f.append("browser.rsa-ku-lacks-key-encipherment")
    if leaf_ and host_named and eku_set is not None and SERVER not in eku_set and any_eku not in eku_set:
        f.append("browser.eku-lacks-server-auth")
    if leaf_ and server and not dns and not ips:
        f.append("browser.no-dns-or-ip-san")
    if sig_hash in ("md2", "md4", "md5", "sha1"):
        f.append("browser.request-weak-signature")
    if is_rsa and pub.key_size < 2048:
        f.append("browser.rsa-key-too-small")
    if leaf_ and not (is_rsa or (is_ec and pub.curve.name in ("secp256r1", "secp384r1"))):
        f.append("browser.unsupported-key-algorithm")
    f += _key_usage_rules(bits, has_ku, is_rsa, is_ec, is_ca, leaf_, server, dns, ips, cns)
    return sorted(f)


def evaluate_crl(crl: x509.CertificateRevocationList) -> list[str]:
    """The crl profile, re-evaluated."""
    f: list[str] = []
    nxt = crl.next_update_utc
    if nxt is None:
        f.append("crl.no-next-update")
    elif nxt < REFERENCE_TIME:
        f.append("crl.next-update-passed")
    elif (nxt - REFERENCE_TIME) // dt.timedelta(days=1) < EXPIRY_DAYS:
        f.append("crl.next-update-soon")
    if _SIG_HASH.get(crl.signature_algorithm_oid.dotted_string) in ("md2", "md4", "md5", "sha1"):
        f.append("crl.weak-signature")
    return sorted(f)


def crosscheck() -> list[str]:
    problems = []
    revoked = revoked_index()
    for rel, exp in EXPECTED.items():
        doc = _load_document(rel) if exp["status"] == "ok" else None
        if doc is not None:
            kind, obj = doc
            (e,) = exp["certificates"]
            name = (obj.issuer if kind == "crl" else obj.subject).rfc4514_string()
            if e.get("document") != kind or e.get("issuer" if kind == "crl" else "subject") != name:
                problems.append(f"{rel}: expected a {e.get('document')} of {e}, read a {kind} of {name!r}")
            got = evaluate_crl(obj) if kind == "crl" else evaluate_csr(obj)
            if got != e["findings"]:
                problems.append(f"{rel}: hand-written {e['findings']} != computed {got}")
            continue
        certs = _load_file(rel)
        if exp["status"] != "ok":
            if certs:  # a bad input must not yield certificates
                problems.append(f"{rel}: expected status {exp['status']} but {len(certs)} certificate(s) parsed")
            continue
        if not certs:
            problems.append(f"{rel}: expected certificates, none parsed")
            continue
        if len(certs) != len(exp["certificates"]):
            problems.append(f"{rel}: expected {len(exp['certificates'])} certificates, found {len(certs)}")
            continue
        for c, e in zip(certs, exp["certificates"]):
            if c.subject.rfc4514_string() != e["subject"]:
                problems.append(f"{rel}[{e['index']}]: subject {c.subject.rfc4514_string()!r} != {e['subject']!r}")
            got = evaluate(c) + key_findings(rel, e["index"], certs)
            if (c.issuer.public_bytes(), c.serial_number) in revoked:
                got.append("crl.certificate-revoked")
            got = sorted(got)
            if got != e["findings"]:
                problems.append(f"{rel}[{e['index']}]: hand-written {e['findings']} != computed {got}")
    for rel in sorted(set(WRITTEN)):
        if rel not in EXPECTED and rel != "passwords.txt":
            problems.append(f"{rel}: written but has no expectation")
    return problems


# ---------------------------------------------------------------------------
# EXPECTED.json / EXPECTED.md
# ---------------------------------------------------------------------------

def write_expected() -> None:
    files = {}
    for rel in sorted(EXPECTED):
        e = EXPECTED[rel]
        files[rel] = {"status": e["status"]}
        if e["status"] == "error":
            files[rel]["problems"] = e["problems"]
        if e["status"] == "ok":
            files[rel]["certificates"] = e["certificates"]
    doc = {"referenceTime": REFERENCE_TIME.strftime("%Y-%m-%dT%H:%M:%SZ"), "expiryDays": EXPIRY_DAYS,
           "passwordFile": "passwords.txt", "files": files}
    out("EXPECTED.json", json.dumps(doc, indent=2) + "\n")

    md = [
        "# Expected verdicts for the certaudit samples",
        "",
        "Generated by `generate.py` -- do not edit by hand. Machine-readable form: `EXPECTED.json`.",
        "",
        f"Reference time **{REFERENCE_TIME:%Y-%m-%dT%H:%M:%SZ}**, expiry warning horizon **{EXPIRY_DAYS} days**, "
        "PFX passwords from `passwords.txt`. Findings are the sorted rule ids that fire under all six profiles "
        "(browser, vendor, files, crl, rfc5280, cabf). Certificate signing requests (csr/) and CRLs (crl/) are "
        "judged too. Status `error`: named or shaped like a certificate container but "
        "unreadable; `skipped`: holds no certificate.",
        "",
        "| File | # | Subject | Demonstrates | Expected findings |",
        "|---|---|---|---|---|",
    ]
    for rel in sorted(EXPECTED):
        e = EXPECTED[rel]
        if e["status"] != "ok":
            md.append(f"| `{rel}` | – | – | {e['demonstrates']} | status **{e['status']}** |")
            continue
        for i, cc in enumerate(e["certificates"]):
            found = "<br>".join(f"`{x}`" for x in cc["findings"]) or "(none)"
            what = e["demonstrates"] if i == 0 else "↳ next certificate in the same file"
            name = cc.get("subject") or f"CRL of {cc['issuer']}"
            name = f"CSR {name}" if cc.get("document") == "csr" else name
            md.append(f"| `{rel}` | {cc['index']} | {name} | {what} | {found} |")
    md.append("")
    out("EXPECTED.md", "\n".join(md))


if __name__ == "__main__":
    main()
