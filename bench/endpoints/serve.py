#!/usr/bin/python3
"""Serve N TLS endpoints on 127.0.0.1 from one process, for bench/endpoints.sh.

Each endpoint presents one certificate+key pair from samples/ (the certificate files of
samples/tls, samples/veeam and samples/ca whose key is samples/keys/NAME.key) in one of four
server modes:

  tls13    TLS 1.3 only
  ecdhe    TLS 1.2 only, ECDHE key exchange only
  rsa      TLS 1.2 only, plain RSA key exchange only (RSA keys only)
  default  Python's defaults (TLS 1.2-1.3; a current client negotiates TLS 1.3)

Endpoints are assigned round-robin over the (certificate, mode) combinations, so a run is
deterministic for a given --count. One SSLContext is made per combination, not per port. Every
combination is checked at start by an in-memory handshake (the mode's client must negotiate what
the mode promises, the other modes' clients must fail); combinations that fail to load or to
handshake are skipped and reported on stderr.

The manifest (--manifest FILE) lists, per endpoint: port, certificate file, key file, mode, the
key type, the certificate's KeyUsage (as `openssl x509 -ext keyUsage` prints it; null when absent),
SHA-256 of the certificate, the expected `negotiated` ("TLSv1.3", "ecdhe" or "rsa") and
`chromeFails`: what Chromium 156 does (measured): with TLS 1.3 or TLS 1.2 ECDHE the handshake
fails (ERR_SSL_KEY_USAGE_INCOMPATIBLE) when the leaf has a KeyUsage extension without
digitalSignature; with TLS 1.2 plain-RSA key exchange when it has one without keyEncipherment; a
leaf without KeyUsage passes.

Once every port listens, `READY` is printed on stdout. After the handshake the server answers an
HTTP request with a tiny 200 response, or closes when the client closes or stays silent for
--idle-seconds. SIGTERM/SIGINT stop it; counters are printed on stderr at exit.

Standard library only (asyncio + ssl); only 127.0.0.1 is ever bound.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import ssl
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py, wherever this is run from
from common import serve_until_stopped, write_json  # noqa: E402

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"

# The certificates served, in this order (round-robin with the modes). Good ones, broken ones
# (KeyUsage without digitalSignature, without keyEncipherment, empty), CAs presented as leaves, no
# KeyUsage at all. Paths relative to samples/.
DEFAULT_CERTS = [
    "tls/good-rsa.crt",                 # DS+KE: passes everywhere
    "tls/good-ec-p256.crt",             # EC, DS: passes (no rsa mode)
    "tls/ku-empty.crt",                 # KU present, no bits: fails everywhere
    "tls/ec-p384-ku-no-ds.crt",         # EC, keyAgreement only: fails (no rsa mode)
    "tls/req-x509-ca-ke-de.crt",        # KE+DE: fails with TLS 1.3/ECDHE, passes plain RSA
    "tls/req-x509-ca-ds-ke.crt",        # DS+KE: passes
    "tls/req-x509-ca-no-ku.crt",        # no KU: passes
    "veeam/veeam-one-10a.crt",          # KE+DE: fails with TLS 1.3/ECDHE, passes plain RSA
    "veeam/vbem-10a.cer",               # (DER) KE+DE: same
    "veeam/veeam-one-11.crt",           # DS+KE+DE: passes
    "veeam/vbem-11.crt",                # no KU: passes
    "veeam/vspc-6.crt",                 # DS+NR+KE+DE: passes
    "tls/req-x509-ca-serverauth-no-san.crt",  # KE only: fails with TLS 1.3/ECDHE, passes plain RSA
    "tls/no-ku-selfsigned.crt",         # no KU: passes
    "tls/ec-key-encipherment.crt",      # EC, DS+KE: passes
    "ca/mkcert-style-root.crt",         # root CA served as leaf, keyCertSign+cRLSign: fails everywhere
    "ca/ca-ku-no-keycertsign.crt",      # CA, DS+cRLSign: fails only with plain RSA
    "ca/ca-without-ku.crt",             # CA without KU: passes
    "tls/expired.crt",                  # expired, DS+KE: passes the KeyUsage check
]

MODES = ["tls13", "ecdhe", "rsa", "default"]
NEGOTIATED = {"tls13": "TLSv1.3", "ecdhe": "ecdhe", "rsa": "rsa", "default": "TLSv1.3"}
RSA_KX_CIPHERS = "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA"
ECDHE_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES"

# openssl x509 -ext keyUsage names -> RFC 5280 names
KU_NAMES = {
    "Digital Signature": "digitalSignature",
    "Non Repudiation": "nonRepudiation",
    "Content Commitment": "nonRepudiation",
    "Key Encipherment": "keyEncipherment",
    "Data Encipherment": "dataEncipherment",
    "Key Agreement": "keyAgreement",
    "Certificate Sign": "keyCertSign",
    "CRL Sign": "cRLSign",
    "Encipher Only": "encipherOnly",
    "Decipher Only": "decipherOnly",
}


def log(message: str) -> None:
    print(f"serve.py: {message}", file=sys.stderr, flush=True)


@dataclass
class Certificate:
    path: Path          # as in samples/
    pem_path: Path      # PEM file loaded by ssl (a converted copy for DER files)
    key_path: Path
    der: bytes
    key_type: str       # rsa, ec, dsa, other
    key_usage: list[str] | None  # None: no KeyUsage extension

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()


def openssl_text(args: list[str]) -> str:
    return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True).stdout


def read_certificate(path: Path, scratch: Path) -> Certificate | None:
    key = SAMPLES / "keys" / (path.stem + ".key")
    if not key.is_file():
        log(f"skip {path.relative_to(SAMPLES)}: no key {key.relative_to(SAMPLES)}")
        return None
    data = path.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        inform, pem_path = "PEM", path
        der = ssl.PEM_cert_to_DER_cert(data.decode("ascii", "replace")[data.index(b"-----BEGIN CERTIFICATE-----"):])
    else:
        inform, der = "DER", data
        pem_path = scratch / (path.stem + ".pem")
        pem_path.write_text(ssl.DER_cert_to_PEM_cert(der))
    # KeyUsage as openssl prints it (once per file): absent -> no output (and a note on stderr).
    ku_text = openssl_text(["x509", "-in", str(path), "-inform", inform, "-noout", "-ext", "keyUsage"])
    lines = [line.strip() for line in ku_text.splitlines() if line.strip()]
    key_usage: list[str] | None = None
    if lines and lines[0].startswith("X509v3 Key Usage"):
        key_usage = []
        for name in (lines[1] if len(lines) > 1 else "").split(","):
            name = name.strip()
            if not name or name == "...":  # openssl prints "..." for a KeyUsage with no bit set
                continue
            key_usage.append(KU_NAMES.get(name, name))
    text = openssl_text(["x509", "-in", str(path), "-inform", inform, "-noout", "-text"])
    algorithm = next((l.split(":", 1)[1].strip() for l in text.splitlines() if "Public Key Algorithm:" in l), "")
    key_type = {"rsaEncryption": "rsa", "id-ecPublicKey": "ec", "dsaEncryption": "dsa"}.get(algorithm, algorithm or "other")
    return Certificate(path, pem_path, key, der, key_type, key_usage)


def chrome_fails(cert: Certificate, mode: str) -> bool:
    if cert.key_usage is None:
        return False
    needed = "keyEncipherment" if mode == "rsa" else "digitalSignature"
    return needed not in cert.key_usage


def server_context(cert: Certificate, mode: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if mode == "tls13":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    elif mode == "ecdhe":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(ECDHE_CIPHERS)
    elif mode == "rsa":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(RSA_KX_CIPHERS)
    ctx.load_cert_chain(str(cert.pem_path), str(cert.key_path))
    return ctx


def probe_context(kind: str) -> ssl.SSLContext:
    """A client that only speaks `kind`: tls13, ecdhe (TLS 1.2), rsa (TLS 1.2 plain RSA), default."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if kind == "tls13":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    elif kind == "ecdhe":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE:@SECLEVEL=1")
    elif kind == "rsa":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("kRSA:@SECLEVEL=1")
    return ctx


def handshake_step(side: ssl.SSLObject) -> bool:
    """One step of a handshake over memory BIOs: True once it is complete, False while it waits for the peer."""
    try:
        side.do_handshake()
        return True
    except ssl.SSLWantReadError:
        return False


def memory_handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext) -> tuple[str, str] | None:
    """Handshake in memory; (version, cipher) or None if it fails."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_side=False)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    client_done = server_done = False
    try:
        for _ in range(12):
            client_done = client_done or handshake_step(client)
            s_in.write(c_out.read())
            server_done = server_done or handshake_step(server)
            c_in.write(s_out.read())
            if client_done and server_done:
                cipher = client.cipher()
                return client.version() or "", cipher[0] if cipher else ""
    except (ssl.SSLError, OSError):
        return None
    return None


def negotiated_kind(version: str, cipher: str) -> str:
    if version == "TLSv1.3":
        return "TLSv1.3"
    return "ecdhe" if "ECDHE" in cipher else "rsa" if "DHE" not in cipher else "dhe"


def self_test(ctx: ssl.SSLContext, mode: str, probes: dict[str, ssl.SSLContext]) -> str | None:
    """None if the mode's own client negotiates what the mode promises and the other modes' fail."""
    expected = NEGOTIATED[mode]
    own = memory_handshake(ctx, probes[mode])
    if own is None:
        return "handshake failed"
    if negotiated_kind(*own) != expected:
        return f"negotiated {own[0]} {own[1]} instead of {expected}"
    if mode != "default":
        for other in ("tls13", "ecdhe", "rsa"):
            if other != mode and memory_handshake(ctx, probes[other]) is not None:
                return f"a {other}-only client got through too"
    return None


def build_combinations(cert_names: list[str], modes: list[str], scratch: Path, selftest: bool):
    probes = {kind: probe_context(kind) for kind in ("tls13", "ecdhe", "rsa", "default")}
    combos = []
    for name in cert_names:
        path = (SAMPLES / name) if not os.path.isabs(name) else Path(name)
        if path.suffix.lower() == ".pfx":
            continue
        cert = read_certificate(path, scratch)
        if cert is None:
            continue
        for mode in modes:
            if mode == "rsa" and cert.key_type != "rsa":
                continue
            label = f"{path.relative_to(SAMPLES) if path.is_relative_to(SAMPLES) else path} [{mode}]"
            try:
                ctx = server_context(cert, mode)
            except (ssl.SSLError, OSError) as error:
                log(f"skip {label}: {error}")
                continue
            if selftest:
                problem = self_test(ctx, mode, probes)
                if problem:
                    log(f"skip {label}: {problem}")
                    continue
            combos.append((cert, mode, ctx))
    return combos


class Counters:
    accepted = 0
    handshakes = 0
    failed = 0
    http = 0


HTTP_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
    b"Connection: close\r\n\r\nok\n"
)


class TLSServerProtocol(asyncio.Protocol):
    """TLS over memory BIOs rather than asyncio's own SSL transport, which drops the alert of a failed
    handshake: a client offered only what the mode refuses gets the alert a real server sends
    (protocol_version, handshake_failure) before the close, not a bare EOF."""

    def __init__(self, ctx: ssl.SSLContext, handshake_timeout: float, idle: float):
        self.ctx, self.handshake_timeout, self.idle = ctx, handshake_timeout, idle
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.request = b""
        self.handshaken = False

    def connection_made(self, transport):
        Counters.accepted += 1
        self.transport = transport
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = self.ctx.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.timer = asyncio.get_running_loop().call_later(self.handshake_timeout, self.abort)

    def flush(self):
        data = self.outgoing.read()
        if data and self.transport is not None:
            self.transport.write(data)

    def abort(self):
        if self.transport is not None:
            self.transport.abort()

    def finish(self):
        """close_notify, then close (without waiting for the peer's)."""
        try:
            self.tls.unwrap()
        except (ssl.SSLError, OSError):
            pass
        self.flush()
        self.transport.close()

    def data_received(self, data):
        self.incoming.write(data)
        if not self.handshaken:
            try:
                self.tls.do_handshake()
            except ssl.SSLWantReadError:
                self.flush()
                return
            except (ssl.SSLError, OSError):
                Counters.failed += 1
                self.flush()  # the alert
                self.transport.close()
                return
            self.handshaken = True
            Counters.handshakes += 1
            self.flush()
            self.timer.cancel()
            self.timer = asyncio.get_running_loop().call_later(self.idle, self.finish)
        try:
            while True:
                chunk = self.tls.read(16384)
                if not chunk:
                    break
                self.request += chunk
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):  # the client's close_notify
            self.finish()
            return
        except (ssl.SSLError, OSError):
            self.transport.close()
            return
        if b"\r\n\r\n" in self.request or len(self.request) > 8192:
            if self.request[:4] in (b"GET ", b"HEAD", b"POST", b"PUT ", b"OPTI"):
                Counters.http += 1
                try:
                    self.tls.write(HTTP_RESPONSE)
                except (ssl.SSLError, OSError):
                    pass
            self.finish()
        else:
            self.flush()

    def eof_received(self):
        return False  # close

    def connection_lost(self, exc):
        if self.timer is not None:
            self.timer.cancel()
        self.transport = None


async def serve(args: argparse.Namespace) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="certaudit-serve-"))
    try:
        combos = build_combinations(args.certs or DEFAULT_CERTS, args.modes, scratch, not args.no_selftest)
        if not combos:
            log("no usable (certificate, mode) combination")
            return 2
        loop = asyncio.get_running_loop()

        servers, endpoints = [], []
        for i in range(args.count):
            cert, mode, ctx = combos[i % len(combos)]
            port = 0 if args.base_port == 0 else args.base_port + i
            server = await loop.create_server(
                lambda ctx=ctx: TLSServerProtocol(ctx, args.handshake_timeout, args.idle_seconds),
                HOST, port, backlog=args.backlog, reuse_address=True)
            servers.append(server)
            port = server.sockets[0].getsockname()[1]
            endpoints.append({
                "port": port,
                "cert": str(cert.path.relative_to(REPO) if cert.path.is_relative_to(REPO) else cert.path),
                "key": str(cert.key_path.relative_to(REPO) if cert.key_path.is_relative_to(REPO) else cert.key_path),
                "mode": mode,
                "keyType": cert.key_type,
                "keyUsage": cert.key_usage,
                "sha256": cert.sha256,
                "negotiated": NEGOTIATED[mode],
                "chromeFails": chrome_fails(cert, mode),
            })
        manifest = {
            "host": HOST,
            "count": len(endpoints),
            "combinations": len(combos),
            "delayMs": 0,
            "endpoints": endpoints,
        }
        write_json(args.manifest, manifest)
        fails = sum(e["chromeFails"] for e in endpoints)
        log(f"{len(endpoints)} endpoints on {HOST} ({len(combos)} certificate/mode combinations, "
            f"{fails} expected to fail in Chrome); manifest {args.manifest}")
        served = await serve_until_stopped(servers)
        log(f"stopping after {served:.1f} s: {Counters.accepted} connections accepted, "
            f"{Counters.handshakes} handshakes completed, {Counters.failed} failed, {Counters.http} HTTP requests")
        return 0
    finally:
        for child in scratch.iterdir():
            child.unlink()
        scratch.rmdir()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="endpoints (ports) to serve (default 1000)")
    parser.add_argument("--base-port", type=int, default=0,
                        help="listen on BASE..BASE+COUNT-1 (default 0: ports picked by the OS)")
    parser.add_argument("--manifest", type=Path, required=True, help="write the endpoint manifest (JSON) here")
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"comma-separated server modes to mix (default {','.join(MODES)})")
    parser.add_argument("--cert", dest="certs", action="append",
                        help="certificate to serve (path relative to samples/ or absolute; repeatable; "
                             "default: a built-in mix of good and broken ones)")
    parser.add_argument("--idle-seconds", type=float, default=10.0,
                        help="close a connection that sends nothing for this long after the handshake")
    parser.add_argument("--handshake-timeout", type=float, default=30.0)
    parser.add_argument("--backlog", type=int, default=128)
    parser.add_argument("--no-selftest", action="store_true", help="skip the in-memory handshake check per combination")
    args = parser.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    unknown = set(args.modes) - set(MODES)
    if unknown or args.count < 1:
        parser.error(f"unknown modes {sorted(unknown)}" if unknown else "--count must be >= 1")
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
