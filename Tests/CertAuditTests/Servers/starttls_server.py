#!/usr/bin/python3
"""A scripted STARTTLS server for the certaudit scan tests (Python standard library only).

    starttls_server.py --protocol smtp|submission|imap|pop3|ldap|ftp|postgres --cert CERT --key KEY
                       [--port 0] [--mode normal|refuse|refuse-unknown|silent|garbage] [options]

Listens on 127.0.0.1:PORT (0: the OS picks one), prints "READY PORT" on stdout once listening (nothing
else is ever written to stdout), and serves each connection in a thread of its own until the process
is killed (SIGTERM, SIGINT or SIGKILL: one process, nothing left behind).

Each protocol follows its RFC for the plaintext part, then hands the connection to Python's ssl module
as the TLS server (TLS 1.2 to 1.3, OpenSSL's defaults), then answers a few commands over TLS for
--after-tls seconds (QUIT, LOGOUT... close it) and closes:

  smtp, submission  RFC 5321/3207: multi-line 220 greeting; EHLO (multi-line 250 listing STARTTLS);
                    STARTTLS -> "220 2.0.0 Ready to start TLS".
  imap              RFC 3501/9051: "* OK [CAPABILITY ... STARTTLS LOGINDISABLED]" greeting; any valid tag;
                    CAPABILITY, NOOP, LOGOUT; "<tag> STARTTLS" -> "<tag> OK Begin TLS negotiation now".
  pop3              RFC 1939/2595/2449: "+OK" greeting; CAPA (lists STLS), QUIT; STLS -> "+OK".
  ldap              RFC 4511 4.14: an LDAPMessage (BER, definite lengths) with an ExtendedRequest whose
                    requestName is 1.3.6.1.4.1.1466.20037 and no requestValue -> ExtendedResponse with the
                    same messageID, resultCode 0 (success) and responseName 1.3.6.1.4.1.1466.20037.
  ftp               RFC 959/4217: multi-line 220 greeting; FEAT, SYST, NOOP, QUIT; "AUTH TLS" -> 234.
  postgres          PostgreSQL protocol 3: SSLRequest (Int32 8, Int32 80877103) -> "S"; a GSSENCRequest
                    first is answered "N" (as a server without GSSAPI does).

The server is strict: a client that breaks the exchange gets the protocol's error reply, the violation
is logged (a stderr line containing "VIOLATION"), and the connection is closed. Violations: speaking
before the greeting ends, or before the last line of any multi-line reply (the reply's first line is
sent, then --greeting-delay seconds pass before the rest: a client that reads one line and answers is
caught), a bare LF or a NUL in a line, a line over the RFC's length, non-ASCII commands, unknown or
out-of-order commands (STARTTLS before EHLO, LOGIN/USER/AUTH before TLS...), arguments where none are
allowed, data sent after STARTTLS/STLS/AUTH TLS/SSLRequest before the server's answer (RFC 3207 4,
RFC 2595 3.1: the client must wait; plaintext buffered there is the STARTTLS-injection hole), malformed
BER (indefinite length, messageID 0, extra elements...), another LDAP operation or extended request
before StartTLS, a PostgreSQL StartupMessage without SSLRequest. Idle for --idle seconds: closed.

Modes:
  normal          as above.
  refuse          the server declines TLS, and the session goes on (QUIT, LOGOUT, Unbind... end it):
                  SMTP lists no STARTTLS and answers it "454 4.7.0"; IMAP lists no STARTTLS and answers
                  "<tag> NO"; POP3 "-ERR"; LDAP resultCode 2 (protocolError); FTP "534"; PostgreSQL "N"
                  (then a plaintext StartupMessage gets a FATAL ErrorResponse).
  refuse-unknown  the server does not know the command at all (the session goes on): SMTP "502 5.5.2",
                  IMAP "<tag> BAD", POP3 "-ERR", LDAP resultCode 2 (protocolError, no responseName), FTP
                  "500", PostgreSQL "N".
  silent          accepts the connection and never sends a byte (reads and drops what comes) for --hold
                  seconds, then closes.
  inject          like normal, but the positive answer to STARTTLS/STLS/AUTH TLS/StartTLS/SSLRequest is
                  followed, in the same write, by a plaintext line (an LDAP message, an ErrorResponse):
                  the STARTTLS response injection a client must detect (bytes left over from before TLS);
                  the TLS handshake is then served as in normal mode.
  garbage         sends random bytes instead of the greeting (SMTP, submission, IMAP, POP3, FTP) or of
                  the answer to the client's first request (LDAP, PostgreSQL), then keeps the connection
                  open for --hold seconds, dropping what comes. The first byte is never a digit, "+",
                  "*", "-", a TLS record type, 0x30 (BER SEQUENCE) or "S"/"N"/"E".

The certificate and key are loaded before READY: a pair OpenSSL refuses (an empty KeyUsage, a key that
does not match) ends the program with exit code 1 and the reason on stderr. --seclevel 0 lets weak test
certificates be served (1024-bit RSA, SHA-1 or MD5 signatures).
"""

import argparse
import os
import random
import select
import signal
import socket
import ssl
import stat
import struct
import sys
import threading
import time

PROTOCOLS = ("smtp", "submission", "imap", "pop3", "ldap", "ftp", "postgres")
MODES = ("normal", "refuse", "refuse-unknown", "silent", "garbage", "inject")
HOSTNAME = "starttls.certaudit.test"
CRLF = b"\r\n"

LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"
LDAP_NOTICE_OF_DISCONNECTION_OID = b"1.3.6.1.4.1.1466.20036"
LDAP_SUCCESS, LDAP_PROTOCOL_ERROR = 0, 2

PG_SSL_REQUEST = 80877103
PG_GSSENC_REQUEST = 80877104
PG_CANCEL_REQUEST = 80877102
PG_PROTOCOL_3 = 196608


class Violation(Exception):
    """The client broke the exchange: logged, answered with `reply` (or the protocol's error), closed."""

    def __init__(self, why, reply=None):
        super().__init__(why)
        self.why = why
        self.reply = reply


class Closed(Exception):
    """The client closed the connection."""


class Idle(Exception):
    """The client sent nothing for the allowed time."""


class Done(Exception):
    """The exchange ended normally (QUIT, LOGOUT, end of the after-TLS phase...)."""


class Log:
    """Log lines to stderr or a file. On a pipe the writes never block: a line that does not fit in a
    pipe nobody drains is dropped, and the server goes on serving."""

    def __init__(self, path, quiet):
        self.lock = threading.Lock()
        self.quiet = quiet
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if path else 2
        try:
            if stat.S_ISFIFO(os.fstat(self.fd).st_mode):
                os.set_blocking(self.fd, False)
        except OSError:
            pass

    def __call__(self, message):
        if self.quiet:
            return
        line = ("starttls_server: %s\n" % message).encode("utf-8", "backslashreplace")
        with self.lock:
            try:
                os.write(self.fd, line)
            except OSError:
                pass  # full or closed: serving matters more than the log


class Connection:
    """One client: a line or byte reader over the plain socket, later over TLS."""

    def __init__(self, server, sock, peer, number):
        self.server = server
        self.args = server.args
        self.sock = sock
        self.buf = b""
        self.tls = False
        self.name = "#%d %s:%d %s/%s" % (number, peer[0], peer[1], self.args.protocol, self.args.mode)
        self.idle = self.args.idle

    def log(self, message):
        self.server.log("%s: %s" % (self.name, message))

    # Reading

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Idle()
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(16384)
        except socket.timeout:
            raise Idle()
        except ssl.SSLEOFError:
            data = b""
        if not data:
            raise Closed("after %d unread bytes" % len(self.buf) if self.buf else "")
        self.buf += data

    def readline(self, limit):
        """A CRLF-terminated line of at most `limit` bytes (CRLF included), as ASCII text without CRLF."""
        deadline = time.monotonic() + self.idle
        while b"\n" not in self.buf:
            if len(self.buf) > limit:
                raise Violation("line longer than %d bytes" % limit)
            self._fill(deadline)
        raw, _, self.buf = self.buf.partition(b"\n")
        if len(raw) + 1 > limit:
            raise Violation("line longer than %d bytes" % limit)
        if not raw.endswith(b"\r"):
            raise Violation("bare LF: line not terminated by CRLF: %r" % raw[:80])
        raw = raw[:-1]
        if b"\r" in raw or b"\0" in raw:
            raise Violation("CR or NUL inside a line: %r" % raw[:80])
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            raise Violation("non-ASCII bytes in a command line: %r" % raw[:80])
        self.log("C: %s" % line)
        return line

    def read_command(self, limit):
        """A line (as readline) split into its command, in upper case, and the rest: SMTP, POP3, FTP."""
        command, _, argument = self.readline(limit).partition(" ")
        return command.upper(), argument

    def read_exact(self, count):
        deadline = time.monotonic() + self.idle
        while len(self.buf) < count:
            self._fill(deadline)
        data, self.buf = self.buf[:count], self.buf[count:]
        return data

    def spoke(self):
        """True when the client has sent bytes the server has not asked for yet (plain socket only)."""
        if self.buf:
            return True
        readable, _, _ = select.select([self.sock], [], [], 0)
        if not readable:
            return False
        try:
            data = self.sock.recv(1, socket.MSG_PEEK)
        except OSError:
            return False
        if not data:
            raise Closed("while the server was answering")
        return True

    def linger(self):
        """After the server's last word: half-close, then read what the client still sends for a second,
        so that closing does not reset the connection before the client has read that last reply."""
        if self.tls:
            return
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.drain(1.0)
        except (OSError, Closed):
            pass

    def drain(self, seconds):
        """Reads and drops whatever comes for `seconds`, or until the client closes."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.sock.settimeout(remaining)
            try:
                if not self.sock.recv(16384):
                    raise Closed("")
            except socket.timeout:
                return

    # Writing

    def send(self, data):
        self.sock.sendall(data)

    def send_line(self, line):
        self.log("S: %s" % line)
        self.send(line.encode("ascii") + CRLF)

    def send_reply(self, lines, what):
        """A multi-line reply: its first line, a pause, then the rest, unless the client spoke meanwhile."""
        self.send_line(lines[0])
        if len(lines) < 2:
            return
        if not self.tls:  # the pause (to catch one-line readers) only in plaintext
            time.sleep(self.args.greeting_delay)
            if self.spoke():
                raise Violation("client sent data before the last line of the multi-line %s "
                                "(it read only the first line?)" % what)
        for line in lines[1:]:
            self.log("S: %s" % line)
        self.send(b"".join(line.encode("ascii") + CRLF for line in lines[1:]))

    def greet(self, lines):
        if self.spoke():
            raise Violation("client spoke before the greeting")
        self.send_reply(lines, "greeting")

    # TLS

    def refuse_pipelining(self, command):
        if self.spoke():
            raise Violation("client sent data after %s without waiting for the answer "
                            "(plaintext there could be injected into the TLS session)" % command)

    def answer_tls(self, answer, injected):
        """The positive answer to STARTTLS (a line, or bytes). In inject mode the answer and a plaintext
        `injected` line or message follow in one write, before TLS: a client must not leave bytes it
        read before TLS unexamined (they would be taken for the server's answers: STARTTLS response
        injection); the TLS handshake is then served as usual."""
        data = answer.encode("ascii") + CRLF if isinstance(answer, str) else answer
        if isinstance(answer, str):
            self.log("S: %s" % answer)
        if self.args.mode == "inject":
            extra = injected.encode("ascii") + CRLF if isinstance(injected, str) else injected
            self.log("S: (injected in the same write) %r" % extra[:60])
            data += extra
        self.send(data)

    def declines(self, command, mode, reply):
        """In `mode` (refuse: TLS is declined; refuse-unknown: the command is unknown here), answers the
        client's STARTTLS (STLS, AUTH TLS) with `reply` and returns True: the session goes on."""
        if self.args.mode != mode:
            return False
        self.log("declines: %s unknown here" % command if mode == "refuse-unknown" else "declines %s" % command)
        self.send_line(reply)
        return True

    def begin_tls(self, command, answer, injected):
        """The positive answer to the client's `command` (STARTTLS, STLS, AUTH TLS), unless the client did
        not wait for it, then the TLS handshake."""
        self.refuse_pipelining(command)
        self.answer_tls(answer, injected)
        self.start_tls()

    def start_tls(self):
        self.sock.settimeout(self.args.idle)
        sni = []
        context = self.server.context_for(sni)
        try:
            tls = context.wrap_socket(self.sock, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.log("TLS handshake failed: %s" % error)
            raise Done()
        self.sock = tls
        self.buf = b""
        self.tls = True
        self.idle = self.args.after_tls
        cipher = tls.cipher()
        self.log("TLS established: %s %s, SNI %s" % (tls.version(), cipher[0] if cipher else "?",
                                                     sni[0] if sni else "(none)"))

    def garbage(self, hold):
        rng = self.server.rng()
        first = rng.choice([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x7f, 0xfe, 0xff])
        data = bytes([first]) + bytes(rng.getrandbits(8) for _ in range(511))
        self.log("S: %d random bytes" % len(data))
        self.send(data)
        self.drain(hold)


# After TLS (SMTP, IMAP, POP3, FTP): a few commands answered from a table per protocol until the client's
# farewell, --after-tls seconds of silence or a close.

class MultiLine:
    """A multi-line reply in an after-TLS table, sent with Connection.send_reply (`what` names it)."""

    def __init__(self, what, lines):
        self.what = what
        self.lines = lines


def after_tls(c, read, answers, otherwise, farewell):
    """Reads commands with `read(c)` (the command and the fields its replies may name: {tag}, {argument})
    and answers each from `answers`, or with `otherwise`; `farewell` (QUIT, LOGOUT) is answered, then the
    connection is closed. A reply is a line, a tuple of lines sent one after the other, a MultiLine, or a
    function of the fields that returns the line to send as it is."""
    while True:
        command, fields = read(c)
        reply = answers.get(command, otherwise)
        if isinstance(reply, MultiLine):
            c.send_reply(reply.lines, reply.what)
        elif callable(reply):
            c.send_line(reply(**fields))
        else:
            for line in (reply,) if isinstance(reply, str) else reply:
                c.send_line(line.format(**fields))
        if command == farewell:
            raise Done()


def line_command(limit):
    """After-TLS reader for SMTP, POP3 and FTP: the command (upper case) and {argument}."""
    def read(c):
        command, argument = c.read_command(limit)
        return command, {"argument": argument}
    return read


# SMTP and submission (RFC 5321, RFC 3207)

def smtp_ehlo_reply(starttls):
    """The multi-line 250 reply to EHLO, listing STARTTLS when `starttls`."""
    extensions = ["PIPELINING", "SIZE 10240000"] + (["STARTTLS"] if starttls else [])
    extensions += ["ENHANCEDSTATUSCODES", "8BITMIME"]
    return ["250-%s" % HOSTNAME] + ["250-%s" % e for e in extensions[:-1]] + ["250 %s" % extensions[-1]]


def smtp(c):
    args = c.args
    service = "submission" if args.protocol == "submission" else "SMTP"
    if args.mode == "garbage":
        return c.garbage(args.hold)
    c.greet(["220-%s ESMTP certaudit test %s server" % (HOSTNAME, service),
             "220 %s ready (certaudit test, multi-line greeting)" % HOSTNAME])
    said_ehlo = False
    while True:
        verb, argument = c.read_command(512)
        if verb == "EHLO":
            if not argument or " " in argument.strip():
                raise Violation("EHLO without exactly one domain argument", "501 5.5.4 Syntax: EHLO hostname")
            c.send_reply(smtp_ehlo_reply(starttls=args.mode in ("normal", "inject")), "EHLO reply")
            said_ehlo = True
        elif verb == "HELO":
            if not argument:
                raise Violation("HELO without a domain", "501 5.5.4 Syntax: HELO hostname")
            c.send_line("250 %s" % HOSTNAME)
            said_ehlo = False  # HELO: no service extensions, so no STARTTLS (RFC 5321 2.2.1, 3207 4)
        elif verb == "STARTTLS":
            if argument:
                raise Violation("STARTTLS with an argument", "501 5.5.4 Syntax: STARTTLS")
            if c.declines("STARTTLS", "refuse-unknown", "502 5.5.2 Error: command not recognized"):
                continue
            if not said_ehlo:
                raise Violation("STARTTLS before EHLO", "503 5.5.1 Error: send EHLO first")
            if c.declines("STARTTLS", "refuse", "454 4.7.0 TLS not available due to local problem"):
                continue
            c.begin_tls("STARTTLS", "220 2.0.0 Ready to start TLS", "250 injected before TLS")
            return smtp_after_tls(c)
        elif verb in ("NOOP", "RSET"):
            c.send_line("250 2.0.0 Ok")
        elif verb == "QUIT":
            c.send_line("221 2.0.0 Bye")
            raise Done()
        elif verb in ("MAIL", "RCPT", "DATA", "BDAT", "AUTH", "VRFY", "EXPN", "ETRN"):
            raise Violation("%s before TLS" % verb, "530 5.7.0 Must issue a STARTTLS command first")
        else:
            raise Violation("unknown command %r" % verb[:40], "502 5.5.2 Error: command not recognized")


def smtp_after_tls(c):
    after_tls(c, line_command(512), {
        "EHLO": MultiLine("EHLO reply", smtp_ehlo_reply(starttls=False)),  # RFC 3207 4.2: no STARTTLS once TLS is on
        "HELO": "250 %s" % HOSTNAME,
        "NOOP": "250 2.0.0 Ok",
        "RSET": "250 2.0.0 Ok",
        "QUIT": "221 2.0.0 Bye",
        "STARTTLS": "554 5.5.1 Error: TLS already active",
    }, "451 4.3.0 the certaudit test server accepts no mail", farewell="QUIT")


# IMAP (RFC 3501, RFC 9051)

IMAP_ATOM_SPECIALS = set('(){ %*"\\]')
IMAP_CAPABILITIES = "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ENABLE ID IDLE"


def imap_tag(line):
    tag, _, rest = line.partition(" ")
    if not tag or any(ch in IMAP_ATOM_SPECIALS or ch == "+" or ord(ch) < 0x21 or ord(ch) > 0x7e for ch in tag):
        raise Violation("invalid IMAP tag %r" % tag[:40], "* BAD Invalid tag")
    command, _, argument = rest.partition(" ")
    if not command:
        raise Violation("tag without a command", "* BAD Missing command")
    return tag, command.upper(), argument


def imap_command(c):
    """After-TLS reader: the command and {tag}, {argument}."""
    tag, command, argument = imap_tag(c.readline(8192))
    return command, {"tag": tag, "argument": argument}


def imap(c):
    args = c.args
    if args.mode == "garbage":
        return c.garbage(args.hold)
    capabilities = IMAP_CAPABILITIES
    if args.mode in ("normal", "inject"):
        capabilities += " STARTTLS"
    capabilities += " LOGINDISABLED"
    c.greet(["* OK [CAPABILITY %s] certaudit test IMAP server ready" % capabilities])
    while True:
        tag, command, argument = imap_tag(c.readline(8192))
        if command == "CAPABILITY":
            if argument:
                raise Violation("CAPABILITY with arguments", "%s BAD CAPABILITY takes no arguments" % tag)
            c.send_line("* CAPABILITY %s" % capabilities)
            c.send_line("%s OK CAPABILITY completed" % tag)
        elif command == "NOOP":
            c.send_line("%s OK NOOP completed" % tag)
        elif command == "LOGOUT":
            c.send_line("* BYE certaudit test IMAP server logging out")
            c.send_line("%s OK LOGOUT completed" % tag)
            raise Done()
        elif command == "STARTTLS":
            if argument:
                raise Violation("STARTTLS with arguments", "%s BAD STARTTLS takes no arguments" % tag)
            if c.declines("STARTTLS", "refuse-unknown", "%s BAD Unknown command" % tag):
                continue
            if c.declines("STARTTLS", "refuse", "%s NO [UNAVAILABLE] TLS is not available" % tag):
                continue
            c.begin_tls("STARTTLS", "%s OK Begin TLS negotiation now" % tag, "* OK injected before TLS")
            return imap_after_tls(c)
        elif command in ("LOGIN", "AUTHENTICATE"):
            raise Violation("%s before TLS" % command, "%s NO [PRIVACYREQUIRED] Use STARTTLS first" % tag)
        else:
            raise Violation("unknown or out-of-state command %r" % command[:40],
                            "%s BAD Unknown command" % tag)


def imap_after_tls(c):
    after_tls(c, imap_command, {
        "CAPABILITY": ("* CAPABILITY %s AUTH=PLAIN" % IMAP_CAPABILITIES, "{tag} OK CAPABILITY completed"),
        "NOOP": "{tag} OK NOOP completed",
        "LOGOUT": ("* BYE certaudit test IMAP server logging out", "{tag} OK LOGOUT completed"),
        "STARTTLS": "{tag} BAD TLS is already active",
    }, "{tag} NO the certaudit test server accepts no logins", farewell="LOGOUT")


# POP3 (RFC 1939, RFC 2449, RFC 2595)

POP3_CAPABILITIES = ["USER", "TOP", "UIDL", "RESP-CODES", "PIPELINING"]


def pop3(c):
    args = c.args
    if args.mode == "garbage":
        return c.garbage(args.hold)
    c.greet(["+OK certaudit test POP3 server ready"])
    capabilities = list(POP3_CAPABILITIES)
    if args.mode in ("normal", "inject"):
        capabilities.append("STLS")
    while True:
        command, argument = c.read_command(255)
        if command == "CAPA":
            if argument:
                raise Violation("CAPA with an argument", "-ERR CAPA takes no arguments")
            c.send_reply(["+OK Capability list follows"] + capabilities + ["."], "CAPA reply")
        elif command == "STLS":
            if argument:
                raise Violation("STLS with an argument", "-ERR STLS takes no arguments")
            if c.declines("STLS", "refuse-unknown", "-ERR Unknown command"):
                continue
            if c.declines("STLS", "refuse", "-ERR TLS not available"):
                continue
            c.begin_tls("STLS", "+OK Begin TLS negotiation", "+OK injected before TLS")
            return pop3_after_tls(c)
        elif command == "QUIT":
            c.send_line("+OK certaudit test POP3 server signing off")
            raise Done()
        elif command in ("USER", "PASS", "APOP", "AUTH"):
            raise Violation("%s before TLS" % command,
                            "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections")
        else:
            raise Violation("unknown or out-of-state command %r" % command[:40], "-ERR Unknown command")


def pop3_after_tls(c):
    after_tls(c, line_command(255), {
        "CAPA": MultiLine("CAPA reply", ["+OK Capability list follows"] + POP3_CAPABILITIES
                          + ["SASL PLAIN", "."]),
        "QUIT": "+OK certaudit test POP3 server signing off",
        "STLS": "-ERR TLS already active",
    }, "-ERR the certaudit test server accepts no logins", farewell="QUIT")


# FTP (RFC 959, RFC 2228, RFC 4217)

FTP_TLS_FEATURES = [" AUTH TLS", " PBSZ", " PROT"]


def ftp_feat_reply(features):
    return ["211-Features:"] + features + [" UTF8", "211 End"]


def ftp(c):
    args = c.args
    if args.mode == "garbage":
        return c.garbage(args.hold)
    c.greet(["220-certaudit test FTP server", "220-(a multi-line greeting, RFC 959 4.2)",
             "220 ready"])
    while True:
        command, argument = c.read_command(512)
        if command == "AUTH":
            if c.declines("AUTH", "refuse-unknown", "500 Syntax error, command unrecognized"):
                continue
            if not argument:
                raise Violation("AUTH without a mechanism", "501 Syntax error in parameters or arguments")
            if argument.upper() != "TLS":
                raise Violation("AUTH %r (RFC 4217 asks for AUTH TLS)" % argument[:40],
                                "504 Security mechanism not understood")
            if c.declines("AUTH TLS", "refuse", "534 Request denied for policy reasons"):
                continue
            c.begin_tls("AUTH TLS", "234 AUTH TLS successful", "200 injected before TLS")
            return ftp_after_tls(c)
        elif command == "FEAT":
            features = FTP_TLS_FEATURES if args.mode != "refuse-unknown" else []
            c.send_reply(ftp_feat_reply(features), "FEAT reply")
        elif command == "SYST":
            c.send_line("215 UNIX Type: L8")
        elif command == "NOOP":
            c.send_line("200 NOOP ok")
        elif command == "QUIT":
            c.send_line("221 Goodbye")
            raise Done()
        elif command in ("USER", "PASS", "ACCT", "PBSZ", "PROT"):
            raise Violation("%s before AUTH TLS" % command, "530 Non-anonymous sessions must use encryption")
        else:
            raise Violation("unknown command %r" % command[:40], "500 Unknown command")


def ftp_after_tls(c):
    after_tls(c, line_command(512), {
        "PBSZ": "200 PBSZ=0",
        "PROT": lambda argument: "200 Protection level set to %s" % (argument.upper() or "P"),
        "FEAT": MultiLine("FEAT reply", ftp_feat_reply(FTP_TLS_FEATURES)),
        "NOOP": "200 NOOP ok",
        "QUIT": "221 Goodbye",
        "AUTH": "503 TLS already active",
    }, "530 the certaudit test server accepts no logins", farewell="QUIT")


# LDAP (RFC 4511, BER as restricted by its section 5.1)

def ber_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def ber(tag, value):
    return bytes([tag]) + ber_length(len(value)) + value


def ber_integer(n):
    return n.to_bytes(n.bit_length() // 8 + 1, "big", signed=True)


def ber_elements(data, what):
    """Splits `data` into (tag, value) elements; only definite lengths (RFC 4511 5.1)."""
    elements = []
    i = 0
    while i < len(data):
        tag = data[i]
        if tag & 0x1f == 0x1f:
            raise Violation("multi-byte BER tag in %s" % what)
        if i + 1 >= len(data):
            raise Violation("truncated BER length in %s" % what)
        first = data[i + 1]
        i += 2
        if first == 0x80:
            raise Violation("indefinite BER length in %s (RFC 4511 5.1 forbids it)" % what)
        if first & 0x80:
            count = first & 0x7f
            if count > 4 or i + count > len(data):
                raise Violation("bad BER length in %s" % what)
            length = int.from_bytes(data[i:i + count], "big")
            i += count
        else:
            length = first
        if i + length > len(data):
            raise Violation("BER element longer than its container in %s" % what)
        elements.append((tag, data[i:i + length]))
        i += length
    return elements


def ldap_read_message(c):
    """Reads one LDAPMessage; returns (messageID, protocolOp tag, protocolOp value)."""
    header = c.read_exact(2)
    if header[0] != 0x30:
        raise Violation("LDAPMessage does not start with a SEQUENCE tag (got 0x%02x)" % header[0])
    if header[1] == 0x80:
        raise Violation("indefinite BER length in LDAPMessage (RFC 4511 5.1 forbids it)")
    if header[1] & 0x80:
        count = header[1] & 0x7f
        if count > 4:
            raise Violation("bad BER length in LDAPMessage")
        length = int.from_bytes(c.read_exact(count), "big")
    else:
        length = header[1]
    if length > 65536:
        raise Violation("LDAPMessage of %d bytes before StartTLS" % length)
    elements = ber_elements(c.read_exact(length), "LDAPMessage")
    c.log("C: LDAPMessage %s" % " ".join("0x%02x[%d]" % (tag, len(value)) for tag, value in elements))
    if len(elements) < 2 or elements[0][0] != 0x02:
        raise Violation("LDAPMessage without messageID and protocolOp")
    raw_id = elements[0][1]
    if not 1 <= len(raw_id) <= 4 or (len(raw_id) > 1 and (raw_id[0] == 0 and raw_id[1] < 0x80)):
        raise Violation("messageID not a minimal INTEGER of at most 4 bytes")
    message_id = int.from_bytes(raw_id, "big", signed=True)
    if message_id <= 0:
        raise Violation("messageID %d (must be 1 to 2^31-1; 0 is for unsolicited notifications)" % message_id)
    if len(elements) > 3 or (len(elements) == 3 and elements[2][0] != 0xa0):
        raise Violation("LDAPMessage with elements after protocolOp other than controls [0]")
    return message_id, elements[1][0], elements[1][1]


def ldap_extended_response(message_id, result_code, diagnostic, response_name=None):
    body = ber(0x0a, bytes([result_code])) + ber(0x04, b"") + ber(0x04, diagnostic.encode("ascii"))
    if response_name is not None:
        body += ber(0x8a, response_name)
    return ber(0x30, ber(0x02, ber_integer(message_id)) + ber(0x78, body))


def ldap_notice_of_disconnection(diagnostic):
    """RFC 4511 4.4.1: unsolicited ExtendedResponse, messageID 0, protocolError."""
    return ldap_extended_response(0, LDAP_PROTOCOL_ERROR, diagnostic, LDAP_NOTICE_OF_DISCONNECTION_OID)


def ldap(c):
    args = c.args
    while True:
        message_id, op, value = ldap_read_message(c)
        if args.mode == "garbage":
            return c.garbage(args.hold)
        if op == 0x42:  # UnbindRequest
            c.log("client unbinds")
            raise Done()
        if op != 0x77:
            raise Violation("protocolOp 0x%02x before StartTLS (only the StartTLS ExtendedRequest is served)" % op,
                            ldap_notice_of_disconnection("certaudit test server: send the StartTLS request first"))
        fields = ber_elements(value, "ExtendedRequest")
        if not fields or fields[0][0] != 0x80:
            raise Violation("ExtendedRequest without requestName [0]",
                            ldap_notice_of_disconnection("ExtendedRequest without requestName"))
        name = fields[0][1]
        if name != LDAP_STARTTLS_OID:
            raise Violation("ExtendedRequest %r, not StartTLS" % name[:60],
                            ldap_extended_response(message_id, LDAP_PROTOCOL_ERROR, "unsupported extended operation"))
        if len(fields) != 1:
            raise Violation("StartTLS request with a requestValue or extra fields (RFC 4511 4.14.1: absent)",
                            ldap_extended_response(message_id, LDAP_PROTOCOL_ERROR,
                                                   "StartTLS takes no requestValue"))
        if args.mode == "refuse":
            c.log("declines StartTLS: ExtendedResponse messageID %d resultCode 2 (protocolError)" % message_id)
            c.send(ldap_extended_response(message_id, LDAP_PROTOCOL_ERROR, "StartTLS not supported",
                                          LDAP_STARTTLS_OID))
            continue
        if args.mode == "refuse-unknown":
            c.log("declines: StartTLS unknown here: ExtendedResponse messageID %d resultCode 2 "
                  "(protocolError), no responseName" % message_id)
            c.send(ldap_extended_response(message_id, LDAP_PROTOCOL_ERROR, "unsupported extended operation"))
            continue
        c.refuse_pipelining("the StartTLS request")
        c.log("S: ExtendedResponse messageID %d resultCode 0 (success)" % message_id)
        c.answer_tls(ldap_extended_response(message_id, LDAP_SUCCESS, "", LDAP_STARTTLS_OID),
                     ldap_extended_response(message_id + 1, LDAP_SUCCESS, "injected before TLS"))
        c.start_tls()
        c.drain(c.args.after_tls)  # an UnbindRequest or a close ends it
        return


# PostgreSQL (protocol 3.0, "SSL Session Encryption")

def pg_error(severity, code, message):
    fields = b"".join(tag + text.encode("utf-8") + b"\0" for tag, text in
                      ((b"S", severity), (b"V", severity), (b"C", code), (b"M", message)))
    body = fields + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


def pg_read_packet(c):
    length = struct.unpack("!I", c.read_exact(4))[0]
    if length < 8 or length > 10000:
        raise Violation("startup packet length %d" % length,
                        pg_error("FATAL", "08P01", "invalid length of startup packet"))
    body = c.read_exact(length - 4)
    code = struct.unpack("!I", body[:4])[0]
    c.log("C: startup packet of %d bytes, code %d" % (length, code))
    return length, code


def postgres(c):
    args = c.args
    gss_declined = False
    while True:
        length, code = pg_read_packet(c)
        if args.mode == "garbage":
            return c.garbage(args.hold)
        if code == PG_GSSENC_REQUEST and length == 8 and not gss_declined:
            c.refuse_pipelining("GSSENCRequest")
            c.log("S: N (no GSSAPI encryption)")
            c.send(b"N")
            gss_declined = True
            continue
        if code == PG_SSL_REQUEST and length == 8:
            c.refuse_pipelining("SSLRequest")
            if args.mode in ("refuse", "refuse-unknown"):
                c.log("S: N (declined)")
                c.send(b"N")
                return postgres_plaintext_startup(c)
            c.log("S: S")
            c.answer_tls(b"S", pg_error("FATAL", "XX000", "injected before TLS"))
            c.start_tls()
            return postgres_after_tls(c)
        if code == PG_CANCEL_REQUEST and length == 16:
            c.log("cancel request: closed")
            raise Done()
        if code == PG_PROTOCOL_3:
            raise Violation("StartupMessage without SSLRequest",
                            pg_error("FATAL", "28000", 'no pg_hba.conf entry for host "127.0.0.1", '
                                     "no encryption (the certaudit test server requires SSL)"))
        raise Violation("unexpected startup packet (length %d, code %d)" % (length, code),
                        pg_error("FATAL", "08P01", "unsupported frontend protocol"))


def postgres_plaintext_startup(c):
    length, code = pg_read_packet(c)
    if code != PG_PROTOCOL_3:
        raise Violation("after N, a packet that is no StartupMessage (code %d)" % code,
                        pg_error("FATAL", "08P01", "unsupported frontend protocol"))
    c.send(pg_error("FATAL", "28000", 'no pg_hba.conf entry for host "127.0.0.1", no encryption'))
    raise Done()


def postgres_after_tls(c):
    length, code = pg_read_packet(c)
    if code == PG_PROTOCOL_3:
        c.send(pg_error("FATAL", "28000", "the certaudit test server accepts no logins"))
    raise Done()


HANDLERS = {"smtp": smtp, "submission": smtp, "imap": imap, "pop3": pop3, "ldap": ldap, "ftp": ftp,
            "postgres": postgres}


def violation_reply(protocol, why):
    if protocol in ("smtp", "submission"):
        return "554 5.5.1 Error: %s" % why
    if protocol == "imap":
        return "* BYE %s" % why
    if protocol == "pop3":
        return "-ERR %s" % why
    if protocol == "ftp":
        return "500 %s" % why
    if protocol == "ldap":
        return ldap_notice_of_disconnection("protocol error")
    return pg_error("FATAL", "08P01", why)


def idle_reply(protocol):
    return {"smtp": "421 4.4.2 %s Error: timeout exceeded" % HOSTNAME,
            "submission": "421 4.4.2 %s Error: timeout exceeded" % HOSTNAME,
            "imap": "* BYE Disconnected for inactivity", "pop3": "-ERR Disconnected for inactivity",
            "ftp": "421 Timeout"}.get(protocol)


class Server:
    def __init__(self, args):
        self.args = args
        self.log = Log(args.log, args.quiet)
        self.contexts = threading.local()
        self.counter = 0
        self.counter_lock = threading.Lock()
        self.seed = args.seed
        self.context_for([])  # load CERT/KEY now: a refused pair fails before READY

    def context_for(self, sni):
        """A server context per connection, so that the SNI callback can record that connection's name."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.args.seclevel is not None:
            context.set_ciphers("DEFAULT:@SECLEVEL=%d" % self.args.seclevel)
        context.load_cert_chain(self.args.cert, self.args.key)

        def record(_sock, name, _context):
            sni.append(name)
        context.sni_callback = record
        return context

    def rng(self):
        with self.counter_lock:
            return random.Random(None if self.seed is None else self.seed * 1000003 + self.counter)

    def serve(self, sock, peer):
        with self.counter_lock:
            self.counter += 1
            number = self.counter
        c = Connection(self, sock, peer, number)
        protocol = self.args.protocol
        c.log("connected")
        try:
            if self.args.mode == "silent":
                c.drain(self.args.hold)
                c.log("silent: hold time over")
            else:
                HANDLERS[protocol](c)
        except Violation as v:
            c.log("VIOLATION: %s" % v.why)
            reply = v.reply if v.reply is not None else violation_reply(protocol, v.why)
            try:
                if isinstance(reply, str):
                    c.send_line(reply)
                elif reply:
                    c.send(reply)
                c.linger()
            except OSError:
                pass
        except Idle:
            c.log("idle for %g s: closing" % c.idle)
            reply = None if c.tls else idle_reply(protocol)
            try:
                if reply:
                    c.send_line(reply)
                c.linger()
            except OSError:
                pass
        except Closed as closed:
            c.log("client closed the connection %s" % closed)
        except Done:
            c.linger()
        except (OSError, ssl.SSLError) as error:
            c.log("connection error: %s" % error)
        except Exception as error:  # a bug here must not end the other connections' threads
            c.log("internal error: %r" % error)
        finally:
            try:
                c.sock.close()
            except OSError:
                pass
            c.log("closed")


def main():
    parser = argparse.ArgumentParser(description="Scripted STARTTLS test server (see the module docstring).")
    parser.add_argument("--protocol", required=True, choices=PROTOCOLS)
    parser.add_argument("--cert", required=True, help="PEM certificate (chain) served after STARTTLS")
    parser.add_argument("--key", required=True, help="PEM private key")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: the OS picks; default)")
    parser.add_argument("--mode", default="normal", choices=MODES)
    parser.add_argument("--idle", type=float, default=10.0,
                        help="seconds a client may stay silent before TLS (default 10)")
    parser.add_argument("--after-tls", type=float, default=5.0,
                        help="seconds the server waits for data once TLS is up (default 5)")
    parser.add_argument("--hold", type=float, default=30.0,
                        help="seconds silent/garbage modes keep a connection open (default 30)")
    parser.add_argument("--greeting-delay", type=float, default=0.1,
                        help="pause after the first line of a multi-line reply (default 0.1 s)")
    parser.add_argument("--seclevel", type=int, choices=range(0, 6), default=None,
                        help="OpenSSL security level (0 serves 1024-bit RSA, SHA-1, MD5 certificates)")
    parser.add_argument("--seed", type=int, default=None, help="seed for the garbage bytes")
    parser.add_argument("--log", default=None, help="append the log to this file instead of stderr")
    parser.add_argument("--quiet", action="store_true", help="no log at all")
    args = parser.parse_args()

    try:
        server = Server(args)
    except (ssl.SSLError, OSError) as error:
        print("starttls_server: cannot load %s / %s: %s" % (args.cert, args.key, error), file=sys.stderr)
        return 1
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", args.port))
    except OSError as error:
        print("starttls_server: cannot listen on 127.0.0.1:%d: %s" % (args.port, error), file=sys.stderr)
        return 1
    listener.listen(64)
    port = listener.getsockname()[1]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.log("%s/%s listening on 127.0.0.1:%d" % (args.protocol, args.mode, port))
    print("READY %d" % port, flush=True)
    try:
        while True:
            sock, peer = listener.accept()
            threading.Thread(target=server.serve, args=(sock, peer), daemon=True).start()
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
