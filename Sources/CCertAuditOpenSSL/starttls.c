// The plaintext part of STARTTLS protocols: just enough of each to reach the TLS handshake, on a
// non-blocking socket, within the endpoint's deadline, and bounded in bytes (a server that talks forever
// or sends garbage is an error, never a hang).
#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/// Everything a server may send before it is ready for TLS (greeting and answers together).
#define REPLY_LIMIT 16384

typedef struct {
    int fd;
    long long deadline;
    char buffer[REPLY_LIMIT];
    size_t used;      // bytes in buffer
    size_t consumed;  // bytes already returned as lines
    char *message;
    size_t size;
    int *failure;
} session;

static int fail(session *s, int kind, const char *text) {
    snprintf(s->message, s->size, "%s", text);
    *s->failure = kind;
    return 0;
}

static int send_all(session *s, const void *data, size_t length) {
    const unsigned char *bytes = data;
    while (length > 0) {
        ssize_t sent = send(s->fd, bytes, length, MSG_NOSIGNAL);
        if (sent > 0) {
            bytes += sent;
            length -= (size_t)sent;
            continue;
        }
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return fail(s, CA_TLS_STARTTLS, "STARTTLS: the server closed the connection");
        }
        struct pollfd waiter = {.fd = s->fd, .events = POLLOUT, .revents = 0};
        int wait = ca_remaining_ms(s->deadline);
        if (wait == 0 || poll(&waiter, 1, wait) == 0) {
            return fail(s, CA_TLS_TIMEOUT, "STARTTLS: timed out");
        }
    }
    return 1;
}

/// Reads more bytes into the buffer. Returns 1, or 0 with the failure set.
static int receive(session *s) {
    if (s->used == sizeof(s->buffer)) {
        return fail(s, CA_TLS_STARTTLS, "STARTTLS: the server sent more than 16 KiB before TLS");
    }
    for (;;) {
        ssize_t got = recv(s->fd, s->buffer + s->used, sizeof(s->buffer) - s->used, 0);
        if (got > 0) {
            s->used += (size_t)got;
            return 1;
        }
        if (got == 0) {
            return fail(s, CA_TLS_STARTTLS, "STARTTLS: the server closed the connection");
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return fail(s, CA_TLS_STARTTLS, "STARTTLS: the connection was reset");
        }
        struct pollfd waiter = {.fd = s->fd, .events = POLLIN, .revents = 0};
        int wait = ca_remaining_ms(s->deadline);
        if (wait == 0 || poll(&waiter, 1, wait) == 0) {
            return fail(s, CA_TLS_TIMEOUT, "STARTTLS: timed out waiting for the server");
        }
    }
}

/// The next line (without CR LF), NUL-terminated in place; NULL with the failure set.
static char *next_line(session *s) {
    for (;;) {
        for (size_t i = s->consumed; i < s->used; i++) {
            if (s->buffer[i] == '\n') {
                char *line = s->buffer + s->consumed;
                size_t end = i;
                if (end > s->consumed && s->buffer[end - 1] == '\r') {
                    end -= 1;
                }
                // Every byte up to the line end is checked (an embedded NUL is not text either).
                for (size_t at = s->consumed; at < end; at++) {
                    unsigned char byte = (unsigned char)s->buffer[at];
                    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
                        fail(s, CA_TLS_STARTTLS, "STARTTLS: the server's answer is not text");
                        return NULL;
                    }
                }
                s->buffer[end] = '\0';
                s->buffer[i] = '\0';
                s->consumed = i + 1;
                return line;
            }
        }
        if (!receive(s)) {
            return NULL;
        }
    }
}

/// Describes an unexpected answer (printable prefix only).
static int unexpected(session *s, const char *step, const char *line) {
    char shown[80];
    size_t n = 0;
    for (; line[n] && n < sizeof(shown) - 1; n++) {
        shown[n] = line[n];
    }
    shown[n] = '\0';
    snprintf(s->message, s->size, "STARTTLS: %s: the server answered \"%s\"", step, shown);
    *s->failure = CA_TLS_STARTTLS;
    return 0;
}

/// An SMTP or FTP reply (RFC 5321 §4.2, RFC 959 §4.2): lines "NNN-text" then "NNN text". Returns the
/// code of the last line, or -1 with the failure set.
static int numbered_reply(session *s, const char *step) {
    int open_code = -1;  // inside an "NNN-" block: the code that ends it
    for (int lines = 0; lines < 200; lines++) {
        char *line = next_line(s);
        if (line == NULL) {
            return -1;
        }
        int numbered = strlen(line) >= 3 && line[0] >= '1' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' &&
                       line[2] >= '0' && line[2] <= '9' && (line[3] == '\0' || line[3] == ' ' || line[3] == '-');
        int code = numbered ? (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0') : -1;
        if (open_code >= 0) {
            // RFC 959 §4.2: inside a multi-line reply, lines are free text until "NNN " with the same code.
            if (code == open_code && line[3] != '-') {
                return code;
            }
            continue;
        }
        if (!numbered) {
            unexpected(s, step, line);
            return -1;
        }
        if (line[3] != '-') {
            return code;
        }
        open_code = code;
    }
    fail(s, CA_TLS_STARTTLS, "STARTTLS: the server's reply has too many lines");
    return -1;
}

static int expect_code(session *s, const char *step, int wanted) {
    int code = numbered_reply(s, step);
    if (code < 0) {
        return 0;
    }
    if (code != wanted) {
        char text[96];
        snprintf(text, sizeof(text), "STARTTLS: %s: the server answered %d, not %d", step, code, wanted);
        return fail(s, CA_TLS_STARTTLS, text);
    }
    return 1;
}

static int smtp(session *s) {
    if (!expect_code(s, "greeting", 220)) return 0;
    if (!send_all(s, "EHLO certaudit.invalid\r\n", 24)) return 0;
    if (!expect_code(s, "EHLO", 250)) return 0;
    if (!send_all(s, "STARTTLS\r\n", 10)) return 0;
    return expect_code(s, "STARTTLS", 220);
}

static int ftp(session *s) {
    if (!expect_code(s, "greeting", 220)) return 0;
    if (!send_all(s, "AUTH TLS\r\n", 10)) return 0;
    return expect_code(s, "AUTH TLS", 234);
}

static int imap(session *s) {
    char *line = next_line(s);
    if (line == NULL) return 0;
    if (strncmp(line, "* OK", 4) != 0) return unexpected(s, "greeting", line);
    if (!send_all(s, "a1 STARTTLS\r\n", 13)) return 0;
    for (int lines = 0; lines < 200; lines++) {
        line = next_line(s);
        if (line == NULL) return 0;
        if (line[0] == '*') continue;  // untagged data (e.g. CAPABILITY)
        if (strncasecmp(line, "a1 OK", 5) == 0) return 1;
        return unexpected(s, "STARTTLS", line);
    }
    return fail(s, CA_TLS_STARTTLS, "STARTTLS: too many untagged lines");
}

static int pop3(session *s) {
    char *line = next_line(s);
    if (line == NULL) return 0;
    if (strncmp(line, "+OK", 3) != 0) return unexpected(s, "greeting", line);
    if (!send_all(s, "STLS\r\n", 6)) return 0;
    line = next_line(s);
    if (line == NULL) return 0;
    if (strncmp(line, "+OK", 3) != 0) return unexpected(s, "STLS", line);
    return 1;
}

static int postgres(session *s) {
    static const unsigned char request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    if (!send_all(s, request, sizeof(request))) return 0;
    if (!receive(s)) return 0;
    if (s->buffer[0] == 'S') {
        return s->used == 1 ? 1 : fail(s, CA_TLS_STARTTLS, "STARTTLS: the server sent data after 'S' (SSLRequest)");
    }
    if (s->buffer[0] == 'N') {
        return fail(s, CA_TLS_STARTTLS, "STARTTLS: the PostgreSQL server does not accept SSL (answered 'N')");
    }
    return fail(s, CA_TLS_STARTTLS, "STARTTLS: the server's answer to SSLRequest is neither 'S' nor 'N'");
}

/// Reads one BER length at `*at` (bounded by `end`); -1 when malformed or too long.
static long ber_length(const unsigned char *bytes, size_t *at, size_t end) {
    if (*at >= end) return -1;
    unsigned char first = bytes[(*at)++];
    if (first < 0x80) return first;
    int octets = first & 0x7f;
    if (octets == 0 || octets > 3) return -1;
    long length = 0;
    for (int i = 0; i < octets; i++) {
        if (*at >= end) return -1;
        length = (length << 8) | bytes[(*at)++];
    }
    return length;
}

static int ldap(session *s) {
    // LDAPMessage { messageID 1, extendedReq [APPLICATION 23] { requestName [0] "1.3.6.1.4.1.1466.20037" } }
    static const unsigned char request[] = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.', '3', '.',
                                            '6',  '.',  '1',  '.',  '4',  '.',  '1',  '.',  '1',  '4',  '6', '6',
                                            '.',  '2',  '0',  '0',  '3',  '7'};
    if (!send_all(s, request, sizeof(request))) return 0;
    const unsigned char *bytes = (const unsigned char *)s->buffer;
    // Read until the whole outer SEQUENCE is here.
    for (;;) {
        if (s->used >= 2) {
            if (bytes[0] != 0x30) return fail(s, CA_TLS_STARTTLS, "STARTTLS: the LDAP server's answer is not an LDAPMessage");
            size_t at = 1;
            long length = ber_length(bytes, &at, s->used);
            if (length >= 0 && at + (size_t)length <= s->used) {
                size_t end = at + (size_t)length;
                // messageID INTEGER
                if (at + 2 > end || bytes[at] != 0x02) break;
                at += 1;
                long idLength = ber_length(bytes, &at, end);
                if (idLength < 1 || at + (size_t)idLength > end) break;
                at += (size_t)idLength;
                // extendedResp [APPLICATION 24]
                if (at >= end || bytes[at] != 0x78) {
                    return fail(s, CA_TLS_STARTTLS, "STARTTLS: the LDAP server did not answer with an ExtendedResponse");
                }
                at += 1;
                long responseLength = ber_length(bytes, &at, end);
                if (responseLength < 3 || at + 3 > end || bytes[at] != 0x0a || bytes[at + 1] != 0x01) break;
                int result = bytes[at + 2];
                if (result != 0) {
                    char text[96];
                    snprintf(text, sizeof(text), "STARTTLS: the LDAP server refused StartTLS (resultCode %d)", result);
                    return fail(s, CA_TLS_STARTTLS, text);
                }
                if (end < s->used) {
                    return fail(s, CA_TLS_STARTTLS, "STARTTLS: the server sent plaintext after its StartTLS response (an injection)");
                }
                return 1;
            }
            if (length < 0 && s->used >= 5) break;
        }
        if (!receive(s)) return 0;
    }
    return fail(s, CA_TLS_STARTTLS, "STARTTLS: the LDAP server's answer is malformed");
}

int ca_starttls_run(int fd, int kind, long long deadline, char *message, size_t size, int *failure) {
    static session empty;
    session s = empty;
    s.fd = fd;
    s.deadline = deadline;
    s.message = message;
    s.size = size;
    s.failure = failure;
    int ready;
    switch (kind) {
    case CA_STARTTLS_SMTP: ready = smtp(&s); break;
    case CA_STARTTLS_IMAP: ready = imap(&s); break;
    case CA_STARTTLS_POP3: ready = pop3(&s); break;
    case CA_STARTTLS_LDAP: ready = ldap(&s); break;
    case CA_STARTTLS_FTP: ready = ftp(&s); break;
    case CA_STARTTLS_POSTGRES: ready = postgres(&s); break;
    default: return 1;
    }
    // Bytes after the answer that starts TLS are plaintext a client must not take into the TLS session
    // (the STARTTLS injection flaw, CVE-2011-0411; RFC 3207 §5): the server is misbehaving.
    if (ready && kind != CA_STARTTLS_LDAP && kind != CA_STARTTLS_POSTGRES && s.consumed < s.used) {
        return fail(&s, CA_TLS_STARTTLS, "STARTTLS: the server sent plaintext after its answer to STARTTLS (an injection, RFC 3207 section 5)");
    }
    return ready;
}

int ca_starttls_probe(int fd, int kind, int timeout_ms, char *message, size_t size, int *failure) {
    return ca_starttls_run(fd, kind, ca_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 1), message, size, failure);
}
