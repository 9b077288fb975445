#!/usr/bin/env python3
"""Generate a benchmark corpus of X.509 certificate files for certaudit.

    make_corpus.py --out DIR [--certs N] [--seed S] [--pool P] [--manifest FILE]

Builds a pool of P distinct, real certificates with `cryptography` (mostly
EC P-256, some P-384 and RSA-2048; varied KeyUsage, EKU, SAN, validity,
subjects, issuers), then writes files that draw from the pool until exactly
N certificates have been written:

  ~58% of files  single-certificate PEM (.crt/.pem), ~15% of them with CRLF,
                 a few with an "openssl pkcs12"-style text header
  ~20%           single-certificate DER (.cer/.der)
  ~20%           PEM bundles of 2-5 certificates with free text between blocks
  ~2%            non-certificate files: random bytes (.bin/.dat/.der),
                 a plain text note (.txt), a private-key-only PEM (.key/.pem)

Files are spread over two levels of subdirectories (DIR/dNN/dNN/, 200-800
files per leaf directory).  The layout, file kinds and counts are
deterministic for a given --seed and N; the certificate bytes are not
(RSA keys and ECDSA signatures are randomised).

Prints the counts and writes them as JSON to DIR/corpus.json (or --manifest;
run.sh keeps the manifest outside the scanned tree).  The manifest also
carries the expected KeyUsage tallies over all written certificates.
"""

import argparse
import datetime as dt
import ipaddress
import json
import os
import random
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER

# KeyUsage profiles for leaves: (name, weight, dict of flags or None = absent)
KU_FLAGS = (
    "digital_signature", "content_commitment", "key_encipherment",
    "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
    "encipher_only", "decipher_only",
)
KU_PROFILES = [
    ("absent", 15, None),
    ("keyEncipherment+dataEncipherment", 15, {"key_encipherment", "data_encipherment"}),
    ("digitalSignature+keyEncipherment", 28, {"digital_signature", "key_encipherment"}),
    ("digitalSignature+nonRepudiation+keyEncipherment+dataEncipherment", 10,
     {"digital_signature", "content_commitment", "key_encipherment", "data_encipherment"}),
    ("digitalSignature", 20, {"digital_signature"}),
    ("digitalSignature+keyAgreement", 5, {"digital_signature", "key_agreement"}),
    ("keyAgreement", 2, {"key_agreement"}),
    ("nonRepudiation", 2, {"content_commitment"}),
    ("keyEncipherment", 3, {"key_encipherment"}),
]

EKU_PROFILES = [
    (None, 25),
    ([ExtendedKeyUsageOID.SERVER_AUTH], 30),
    ([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH], 20),
    ([ExtendedKeyUsageOID.CLIENT_AUTH], 10),
    ([ExtendedKeyUsageOID.CODE_SIGNING], 5),
    ([ExtendedKeyUsageOID.EMAIL_PROTECTION], 5),
    ([ExtendedKeyUsageOID.OCSP_SIGNING], 2),
    ([ExtendedKeyUsageOID.TIME_STAMPING], 3),
]

ORGS = ["Example Corp", "ACME Widgets Ltd", "Müller & Söhne GmbH", "Société Générale d'Essai",
        "Internal IT", "Contoso", "Northwind Traders", "Initech", "Globex", "Umbrella Labs",
        "株式会社テスト", "Fabrikam", "Wayne Enterprises", "Hooli", "Stark Industries"]
OUS = ["Operations", "Web", "PKI", "Devices", "Payments", "R&D", "Mail", "VPN"]
COUNTRIES = ["US", "DE", "FR", "GB", "JP", "NL", "CA", "SE", "BR", "IN"]
CITIES = ["Berlin", "Paris", "London", "Tokyo", "Amsterdam", "Toronto", "Austin", "Lyon"]
HOSTS = ["www", "api", "mail", "vpn", "intranet", "git", "ci", "db", "cache", "auth", "sso",
         "files", "printer", "nas", "router", "ldap", "grafana", "shop", "cdn", "edge"]
DOMAINS = ["example.com", "example.org", "example.net", "corp.internal", "test.local",
           "acme.io", "contoso.test", "lab.invalid"]

NOTE_TEXT = (
    "Certificate renewal notes\n"
    "=========================\n\n"
    "- Renew the web tier certificates before the end of the quarter.\n"
    "- The VPN CA is kept offline; ask PKI for the intermediate.\n"
    "- Do not commit private keys to this directory.\n"
)


def weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.uniform(0, total)
    for item, w in items:
        x -= w
        if x <= 0:
            return item
    return items[-1][0]


class Signer:
    def __init__(self, key, name, is_rsa):
        self.key = key
        self.name = name
        self.is_rsa = is_rsa
        self.ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def make_name(rng, cn):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, rng.choice(COUNTRIES))]
    if rng.random() < 0.3:
        attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, rng.choice(CITIES)))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, rng.choice(ORGS)))
    if rng.random() < 0.5:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, rng.choice(OUS)))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    if rng.random() < 0.1:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, "pki@" + rng.choice(DOMAINS)))
    return x509.Name(attrs)


def key_usage(flags, critical=True):
    return x509.KeyUsage(**{f: (f in flags) for f in KU_FLAGS}), critical


def sign(builder, signer, rng):
    algo = hashes.SHA384() if rng.random() < 0.15 else hashes.SHA256()
    return builder.sign(signer.key, algo)


def build_pool(rng, size):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    curve256 = ec.SECP256R1()
    # A few shared keys: deterministic EC keys, plus a handful of RSA-2048 keys.
    ec_keys = [ec.derive_private_key(rng.getrandbits(250) + 1, curve256) for _ in range(8)]
    p384_keys = [ec.derive_private_key(rng.getrandbits(370) + 1, ec.SECP384R1()) for _ in range(2)]
    rsa_keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]

    pool = []  # list of dicts: pem, der, subject (str), ku (None | set)

    def add(cert, ku):
        pool.append({
            "pem": cert.public_bytes(PEM),
            "der": cert.public_bytes(DER),
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "ku": ku,
        })

    def make_ca(key, cn, parent, is_rsa, path_len):
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bench PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ])
        signer = Signer(key, name, is_rsa)
        parent = parent or signer
        ku = {"key_cert_sign", "crl_sign", "digital_signature"}
        b = (x509.CertificateBuilder()
             .subject_name(name).issuer_name(parent.name)
             .public_key(key.public_key())
             .serial_number(rng.getrandbits(120) + 1)
             .not_valid_before(now - dt.timedelta(days=900))
             .not_valid_after(now + dt.timedelta(days=3650))
             .add_extension(x509.BasicConstraints(ca=True, path_length=path_len), critical=True)
             .add_extension(*key_usage(ku))
             .add_extension(signer.ski, critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                 parent.ski), critical=False))
        add(sign(b, parent, rng), ku)
        return signer

    root_ec = make_ca(ec_keys[0], "Bench Root CA EC", None, False, 1)
    root_rsa = make_ca(rsa_keys[0], "Bench Root CA RSA", None, True, 0)
    inter_ec = make_ca(ec_keys[1], "Bench Issuing CA EC 1", root_ec, False, 0)
    inter_p384 = make_ca(p384_keys[0], "Bench Issuing CA P-384", root_ec, False, 0)
    issuers = [(inter_ec, 45), (root_ec, 10), (root_rsa, 15), (inter_p384, 5), ("self", 25)]

    while len(pool) < size:
        r = rng.random()
        if r < 0.80:
            key, is_rsa = rng.choice(ec_keys), False
        elif r < 0.85:
            key, is_rsa = rng.choice(p384_keys), False
        else:
            key, is_rsa = rng.choice(rsa_keys), True
        host = rng.choice(HOSTS)
        dom = rng.choice(DOMAINS)
        idx = len(pool)
        cn = f"{host}{idx}.{dom}" if rng.random() < 0.85 else f"Device {idx:05d}"
        subject = make_name(rng, cn)
        issuer = weighted(rng, issuers)
        if issuer == "self":
            issuer = Signer(key, subject, is_rsa)

        # Validity: mostly current, some expired, some not yet valid, some very long.
        v = rng.random()
        if v < 0.70:
            nb = now - dt.timedelta(days=rng.randint(1, 700))
            na = nb + dt.timedelta(days=rng.choice([90, 365, 397, 730, 825]))
            if na <= now:
                na = now + dt.timedelta(days=rng.randint(1, 365))
        elif v < 0.85:
            na = now - dt.timedelta(days=rng.randint(1, 1000))
            nb = na - dt.timedelta(days=rng.choice([90, 365, 730]))
        elif v < 0.92:
            nb = now + dt.timedelta(days=rng.randint(1, 60))
            na = nb + dt.timedelta(days=365)
        else:
            nb = now - dt.timedelta(days=rng.randint(1, 3000))
            na = nb + dt.timedelta(days=rng.choice([3650, 7300, 36500]))

        b = (x509.CertificateBuilder()
             .subject_name(subject).issuer_name(issuer.name)
             .public_key(key.public_key())
             .serial_number(rng.getrandbits(rng.choice([64, 120, 159])) + 1)
             .not_valid_before(nb).not_valid_after(na))

        ku = weighted(rng, [(p[2], p[1]) for p in KU_PROFILES])
        if ku is not None:
            b = b.add_extension(*key_usage(ku, critical=rng.random() < 0.8))
        eku = weighted(rng, EKU_PROFILES)
        if eku is not None:
            b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=rng.random() < 0.1)
        if rng.random() < 0.85:
            sans = []
            if not cn.startswith("Device"):
                sans.append(x509.DNSName(cn))
            for _ in range(rng.randint(0, 4)):
                sans.append(x509.DNSName(f"{rng.choice(HOSTS)}.{rng.choice(DOMAINS)}"))
            if rng.random() < 0.15:
                sans.append(x509.DNSName(f"*.{rng.choice(DOMAINS)}"))
            if rng.random() < 0.2:
                sans.append(x509.IPAddress(ipaddress.IPv4Address(rng.getrandbits(32))))
            if rng.random() < 0.05:
                sans.append(x509.IPAddress(ipaddress.IPv6Address(rng.getrandbits(128))))
            if rng.random() < 0.1:
                sans.append(x509.RFC822Name(f"user{idx}@{rng.choice(DOMAINS)}"))
            if sans:
                b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        if rng.random() < 0.6:
            b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                critical=rng.random() < 0.5)
        if rng.random() < 0.7:
            b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                critical=False)
        if issuer.name != subject and rng.random() < 0.7:
            b = b.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer.ski),
                critical=False)
        if rng.random() < 0.3:
            b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(
                    f"http://crl.{rng.choice(DOMAINS)}/ca{rng.randint(1, 9)}.crl")],
                relative_name=None, reasons=None, crl_issuer=None)]), critical=False)
        add(sign(b, issuer, rng), ku)

    key_pems = [k.private_bytes(PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()) for k in ec_keys[:4]]
    key_pems.append(rsa_keys[1].private_bytes(PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                              serialization.NoEncryption()))
    return pool, key_pems


def bundle_text(rng, entry, i):
    r = rng.random()
    if r < 0.35:
        return f"subject={entry['subject']}\nissuer={entry['issuer']}\n".encode()
    if r < 0.55:
        return f"# Certificate {i + 1}: {entry['subject']}\n".encode()
    if r < 0.70:
        return (b"Bag Attributes\n    localKeyID: " +
                " ".join(f"{rng.getrandbits(8):02X}" for _ in range(8)).encode() + b"\n")
    if r < 0.85:
        return b"\n"
    return b""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory (created; must be empty)")
    ap.add_argument("--certs", type=int, default=100000, help="certificates to write (default 100000)")
    ap.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    ap.add_argument("--pool", type=int, default=1500, help="distinct certificates in the pool (default 1500)")
    ap.add_argument("--manifest", help="where to write the counts JSON (default OUT/corpus.json)")
    ap.add_argument("--quiet", action="store_true", help="print only the final JSON")
    args = ap.parse_args()
    if args.certs < 1 or args.pool < 10:
        ap.error("--certs must be >= 1 and --pool >= 10")

    t0 = time.monotonic()
    out = os.path.abspath(args.out)
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"make_corpus: {out} exists and is not empty")
    os.makedirs(out, exist_ok=True)
    manifest = args.manifest or os.path.join(out, "corpus.json")

    rng = random.Random(args.seed)
    pool, key_pems = build_pool(rng, args.pool)
    t_pool = time.monotonic() - t0
    # Pre-compute CRLF variants once.
    for e in pool:
        e["pem_crlf"] = e["pem"].replace(b"\n", b"\r\n")

    kinds = {"pem_single": 0, "pem_single_crlf": 0, "der_single": 0, "bundle": 0,
             "bundle_certs": 0, "junk_bytes": 0, "text_note": 0, "private_key": 0}
    ku_tally = {"absent": 0, "with_digital_signature": 0, "without_digital_signature": 0}

    def tally(e):
        ku = e["ku"]
        if ku is None:
            ku_tally["absent"] += 1
        elif "digital_signature" in ku:
            ku_tally["with_digital_signature"] += 1
        else:
            ku_tally["without_digital_signature"] += 1

    state = {"files": 0, "dirs": 0, "leaf": -1, "left_in_leaf": 0, "dir": None}

    def next_path(stem, ext):
        if state["left_in_leaf"] == 0:
            state["leaf"] += 1
            top, sub = divmod(state["leaf"], 16)
            state["dir"] = os.path.join(out, f"d{top:02d}", f"d{sub:02d}")
            os.makedirs(state["dir"], exist_ok=True)
            state["dirs"] += 1
            state["left_in_leaf"] = rng.randint(200, 800)
        state["left_in_leaf"] -= 1
        state["files"] += 1
        return os.path.join(state["dir"], f"{stem}{state['files']:07d}{ext}")

    def write(path, data):
        with open(path, "wb") as f:
            f.write(data)

    def write_junk(kind):
        if kind == "junk_bytes":
            data = bytearray(rng.randbytes(rng.randint(16, 4096)))
            if rng.random() < 0.5:
                data[0] = 0x30  # looks like DER at first glance
            write(next_path("blob", rng.choice([".bin", ".dat", ".der"])), bytes(data))
        elif kind == "text_note":
            write(next_path("NOTES-", ".txt"), NOTE_TEXT.encode())
        else:
            write(next_path("key", rng.choice([".key", ".pem"])), rng.choice(key_pems))
        kinds[kind] += 1

    junk_kinds = ["junk_bytes", "text_note", "private_key"]
    written = 0
    n = args.certs
    npool = len(pool)
    while written < n:
        r = rng.random()
        if r < 0.02:
            write_junk(junk_kinds[rng.randrange(3)])
            continue
        remaining = n - written
        if r < 0.60 or (r >= 0.80 and remaining == 1):
            e = pool[rng.randrange(npool)]
            crlf = rng.random() < 0.15
            data = e["pem_crlf"] if crlf else e["pem"]
            if rng.random() < 0.05:
                hdr = f"subject={e['subject']}\nissuer={e['issuer']}\n".encode()
                data = (hdr.replace(b"\n", b"\r\n") if crlf else hdr) + data
            write(next_path("cert", rng.choice([".crt", ".pem"])), data)
            kinds["pem_single_crlf" if crlf else "pem_single"] += 1
            tally(e)
            written += 1
        elif r < 0.80:
            e = pool[rng.randrange(npool)]
            write(next_path("cert", rng.choice([".cer", ".der"])), e["der"])
            kinds["der_single"] += 1
            tally(e)
            written += 1
        else:
            k = min(rng.randint(2, 5), remaining)
            crlf = rng.random() < 0.15
            parts = []
            if rng.random() < 0.3:
                parts.append(b"# Certificate bundle generated by certaudit bench\n\n")
            for i in range(k):
                e = pool[rng.randrange(npool)]
                parts.append(bundle_text(rng, e, i))
                parts.append(e["pem"])
                tally(e)
            if rng.random() < 0.2:
                parts.append(b"\n# end of bundle\n")
            data = b"".join(parts)
            if crlf:
                data = data.replace(b"\n", b"\r\n")
            write(next_path("bundle", rng.choice([".pem", ".crt"])), data)
            kinds["bundle"] += 1
            kinds["bundle_certs"] += k
            written += k
    # Small corpora: make sure every kind of non-certificate file is present once.
    for kind in junk_kinds:
        if kinds[kind] == 0:
            write_junk(kind)

    junk = kinds["junk_bytes"] + kinds["text_note"] + kinds["private_key"]
    result = {
        "certificates": written,
        "files": state["files"],
        "certificate_files": state["files"] - junk,
        "junk_files": junk,
        "directories": state["dirs"],
        "kinds": kinds,
        "keyusage": ku_tally,
        "pool_size": npool,
        "seed": args.seed,
        "pool_seconds": round(t_pool, 2),
        "seconds": round(time.monotonic() - t0, 2),
    }
    with open(manifest, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    if not args.quiet:
        print(f"corpus: {out}")
        print(f"  files: {result['files']} ({result['certificate_files']} with certificates, "
              f"{junk} junk) in {result['directories']} directories")
        print(f"  certificates: {written} (pool of {npool} distinct, built in {t_pool:.1f}s)")
        print(f"  kinds: {json.dumps(kinds)}")
        print(f"  keyusage: {json.dumps(ku_tally)}")
        print(f"  manifest: {manifest}; total {result['seconds']:.1f}s")
    print(json.dumps({k: result[k] for k in ("certificates", "files", "junk_files", "seconds")}))


if __name__ == "__main__":
    main()
