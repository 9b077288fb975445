#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

long long ca_monotonic_ms(void) {
    struct timespec clock;
    clock_gettime(CLOCK_MONOTONIC, &clock);
    return (long long)clock.tv_sec * 1000 + clock.tv_nsec / 1000000;
}

int ca_remaining_ms(long long deadline) {
    long long left = deadline - ca_monotonic_ms();
    return left <= 0 ? 0 : (left > 2147483647 ? 2147483647 : (int)left);
}

#define remaining ca_remaining_ms

// ---------------------------------------------------------------------------------------------------
// Name resolution within the deadline: getaddrinfo() blocks for as long as the resolver likes, so it runs
// on a detached thread; whoever finishes last (the waiter or the resolver) frees the job.

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t done_signal;
    int done;
    int abandoned;
    int status;
    struct addrinfo *addresses;
    char *host;
    char *port;
} resolve_job;

/// Resolver threads alive, abandoned ones included: a resolver that never answers must not make a fleet
/// scan pile up one blocked thread per endpoint.
static int resolvers_alive = 0;
static pthread_mutex_t resolvers_lock = PTHREAD_MUTEX_INITIALIZER;
#define RESOLVER_LIMIT 256

static void free_job(resolve_job *job) {
    if (job->addresses != NULL) {
        freeaddrinfo(job->addresses);
    }
    free(job->host);
    free(job->port);
    pthread_cond_destroy(&job->done_signal);
    pthread_mutex_destroy(&job->lock);
    free(job);
}

static void *resolve_thread(void *argument) {
    resolve_job *job = argument;
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *addresses = NULL;
    int status = getaddrinfo(job->host, job->port, &hints, &addresses);
    pthread_mutex_lock(&job->lock);
    job->status = status;
    job->addresses = addresses;
    job->done = 1;
    int abandoned = job->abandoned;
    pthread_cond_signal(&job->done_signal);
    pthread_mutex_unlock(&job->lock);
    if (abandoned) {
        free_job(job);
    }
    pthread_mutex_lock(&resolvers_lock);
    resolvers_alive -= 1;
    pthread_mutex_unlock(&resolvers_lock);
    return NULL;
}

/// Resolves host:port before the deadline. Returns 0 with `*result` set, or an EAI_ code (EAI_AGAIN
/// with `*timed_out` set when the deadline passed first).
static int resolve(const char *host, const char *port, long long deadline, struct addrinfo **result, int *timed_out) {
    *result = NULL;
    *timed_out = 0;
    // Numeric addresses need no resolver.
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, port, &hints, result) == 0) {
        return 0;
    }
    pthread_mutex_lock(&resolvers_lock);
    int busy = resolvers_alive >= RESOLVER_LIMIT;
    if (!busy) {
        resolvers_alive += 1;  // given back by the thread, or below when it cannot start
    }
    pthread_mutex_unlock(&resolvers_lock);
    if (busy) {
        *timed_out = 1;  // so many lookups hang already that the resolver is not answering
        return EAI_AGAIN;
    }
    resolve_job *job = calloc(1, sizeof(resolve_job));
    if (job == NULL) {
        pthread_mutex_lock(&resolvers_lock);
        resolvers_alive -= 1;
        pthread_mutex_unlock(&resolvers_lock);
        return EAI_MEMORY;
    }
    pthread_mutex_init(&job->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&job->done_signal, &attributes);
    pthread_condattr_destroy(&attributes);
    job->host = strdup(host);
    job->port = strdup(port);
    pthread_t thread;
    pthread_attr_t thread_attributes;
    pthread_attr_init(&thread_attributes);
    pthread_attr_setdetachstate(&thread_attributes, PTHREAD_CREATE_DETACHED);
    if (job->host == NULL || job->port == NULL || pthread_create(&thread, &thread_attributes, resolve_thread, job) != 0) {
        pthread_attr_destroy(&thread_attributes);
        free_job(job);
        pthread_mutex_lock(&resolvers_lock);
        resolvers_alive -= 1;
        pthread_mutex_unlock(&resolvers_lock);
        return EAI_MEMORY;
    }
    pthread_attr_destroy(&thread_attributes);
    struct timespec until = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
    pthread_mutex_lock(&job->lock);
    while (!job->done) {
        if (pthread_cond_timedwait(&job->done_signal, &job->lock, &until) == ETIMEDOUT) {
            break;
        }
    }
    if (!job->done) {
        job->abandoned = 1;  // the resolver thread frees the job when getaddrinfo returns
        pthread_mutex_unlock(&job->lock);
        *timed_out = 1;
        return EAI_AGAIN;
    }
    pthread_mutex_unlock(&job->lock);
    int status = job->status;
    *result = job->addresses;
    job->addresses = NULL;
    free_job(job);
    return status;
}

/// A non-blocking socket connected to host:port before the deadline (DNS included), or -1.
static int connect_before(const char *host, const char *port, long long deadline, char *message, size_t size,
                          ca_tls_failure *failure, char *connected_address, size_t address_size) {
    struct addrinfo *addresses = NULL;
    int timed_out = 0;
    int status = resolve(host, port, deadline, &addresses, &timed_out);
    if (status != 0) {
        snprintf(message, size, "cannot resolve %s: %s", host, timed_out ? "timed out" : gai_strerror(status));
        *failure = timed_out ? CA_TLS_TIMEOUT : CA_TLS_RESOLVE;
        return -1;
    }
    *failure = CA_TLS_CONNECT;
    int result = -1;
    snprintf(message, size, "cannot connect to %s:%s: no address", host, port);
    int left = 0;
    for (struct addrinfo *address = addresses; address != NULL; address = address->ai_next) {
        left += 1;
    }
    for (struct addrinfo *address = addresses; address != NULL && result < 0; address = address->ai_next, left -= 1) {
        // Each address gets its share of what is left (the last one all of it): one black-holed AAAA
        // record does not use up the deadline before the A record is tried.
        long long share = ca_monotonic_ms() + (remaining(deadline) / (left > 0 ? left : 1));
        long long until = address->ai_next == NULL || share > deadline ? deadline : share;
        int fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, address->ai_protocol);
        if (fd < 0) {
            // Out of descriptors or memory here, not a closed port: a sweep must not skip it.
            snprintf(message, size, "cannot open a socket for %s:%s: %s", host, port, strerror(errno));
            *failure = CA_TLS_SETUP;
            continue;
        }
        int connected = connect(fd, address->ai_addr, address->ai_addrlen);
        if (connected != 0 && errno == EINPROGRESS) {
            struct pollfd waiter = {.fd = fd, .events = POLLOUT, .revents = 0};
            int ready;
            do {
                ready = poll(&waiter, 1, remaining(until));
            } while (ready < 0 && errno == EINTR);
            int error = 0;
            socklen_t length = sizeof(error);
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
                connected = 0;
            } else {
                snprintf(message, size, "cannot connect to %s:%s: %s", host, port,
                         ready == 0 ? "timed out" : strerror(error ? error : errno));
                if (ready == 0) {
                    *failure = CA_TLS_TIMEOUT;
                }
            }
        } else if (connected != 0) {
            snprintf(message, size, "cannot connect to %s:%s: %s", host, port, strerror(errno));
        }
        if (connected == 0) {
            result = fd;
            if (connected_address != NULL &&
                getnameinfo(address->ai_addr, address->ai_addrlen, connected_address, (socklen_t)address_size, NULL, 0,
                            NI_NUMERICHOST) != 0) {
                connected_address[0] = '\0';
            }
        } else {
            close(fd);
        }
        if (remaining(deadline) == 0) {
            break;
        }
    }
    freeaddrinfo(addresses);
    return result;
}

// ---------------------------------------------------------------------------------------------------
// A socket BIO that never raises SIGPIPE (send with MSG_NOSIGNAL), so that a peer closing early cannot
// kill a program that uses the library.

static int nosignal_write(BIO *bio, const char *data, int length) {
    ssize_t sent = send(BIO_get_fd(bio, NULL), data, (size_t)length, MSG_NOSIGNAL);
    BIO_clear_retry_flags(bio);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_write(bio);
    }
    return (int)sent;
}

static int nosignal_read(BIO *bio, char *data, int length) {
    ssize_t received = recv(BIO_get_fd(bio, NULL), data, (size_t)length, 0);
    BIO_clear_retry_flags(bio);
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_read(bio);
    }
    return (int)received;
}

static int nosignal_puts(BIO *bio, const char *text) {
    return nosignal_write(bio, text, (int)strlen(text));
}

static pthread_once_t method_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *nosignal_method = NULL;

static void make_method(void) {
    // Everything but read and write (fd bookkeeping, flush, EOF) comes from OpenSSL's socket BIO.
    const BIO_METHOD *socket_method = BIO_s_socket();
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                      "certaudit socket (MSG_NOSIGNAL)");
    if (method == NULL) {
        return;
    }
    BIO_meth_set_write(method, nosignal_write);
    BIO_meth_set_read(method, nosignal_read);
    BIO_meth_set_puts(method, nosignal_puts);
    BIO_meth_set_ctrl(method, BIO_meth_get_ctrl(socket_method));
    BIO_meth_set_create(method, BIO_meth_get_create(socket_method));
    BIO_meth_set_destroy(method, BIO_meth_get_destroy(socket_method));
    nosignal_method = method;
}

/// Drives one TLS step (connect) on a non-blocking socket until it completes, fails or the deadline passes.
/// Returns 1 done, 0 failed, -1 timed out.
static int drive(SSL *ssl, int fd, long long deadline) {
    for (;;) {
        int result = SSL_connect(ssl);
        if (result == 1) {
            return 1;
        }
        int error = SSL_get_error(ssl, result);
        short events;
        if (error == SSL_ERROR_WANT_READ) {
            events = POLLIN;
        } else if (error == SSL_ERROR_WANT_WRITE) {
            events = POLLOUT;
        } else {
            return 0;
        }
        int wait = remaining(deadline);
        if (wait == 0) {
            return -1;
        }
        struct pollfd waiter = {.fd = fd, .events = events, .revents = 0};
        int ready = poll(&waiter, 1, wait);
        if (ready == 0) {
            return -1;
        }
        if (ready < 0 && errno != EINTR) {
            return 0;
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// What the ClientHello offers.

/// Chrome/Edge's TLS 1.2 suites, in Chrome's order (Chromium 156's ClientHello).
static const char chrome_tls12[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";
static const char chrome_ecdhe[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA";
static const char chrome_rsa[] = "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";
static const char chrome_tls13[] = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
/// Chrome's signature algorithms (no SHA-1, no P-521).
static const char chrome_sigalgs[] =
    "ECDSA+SHA256:rsa_pss_rsae_sha256:RSA+SHA256:ECDSA+SHA384:rsa_pss_rsae_sha384:RSA+SHA384:"
    "rsa_pss_rsae_sha512:RSA+SHA512";
/// Chrome's groups OpenSSL 3.0 has (not the post-quantum hybrid).
static const char chrome_groups[] = "X25519:P-256:P-384";

/// Sets what `offer` puts in the ClientHello. Returns 1, or 0 when OpenSSL refused a list.
static int configure(SSL *ssl, ca_tls_offer offer, int alpn_http) {
    // Audit, do not trust-check: accept whatever chain the server presents (the rules judge it), and
    // reach weak servers (security level 0) and servers without RFC 5746 renegotiation_info (BoringSSL,
    // Chrome's TLS library, accepts them; OpenSSL 3.0 no longer does by default). On the SSL itself:
    // SSL_new has copied the context's settings already.
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    SSL_set_security_level(ssl, 0);
    SSL_set_options(ssl, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_LEGACY_SERVER_CONNECT);
    int ok = 1;
    switch (offer) {
    case CA_OFFER_CHROME:
        ok &= SSL_set_min_proto_version(ssl, TLS1_2_VERSION) && SSL_set_max_proto_version(ssl, TLS1_3_VERSION);
        ok &= SSL_set_cipher_list(ssl, chrome_tls12) && SSL_set_ciphersuites(ssl, chrome_tls13);
        ok &= SSL_set1_sigalgs_list(ssl, chrome_sigalgs) && SSL_set1_groups_list(ssl, chrome_groups);
        if (alpn_http) {
            static const unsigned char alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
            ok &= SSL_set_alpn_protos(ssl, alpn, sizeof(alpn)) == 0;
        }
        break;
    case CA_OFFER_TLS13:
        ok &= SSL_set_min_proto_version(ssl, TLS1_3_VERSION) && SSL_set_max_proto_version(ssl, TLS1_3_VERSION);
        ok &= SSL_set_ciphersuites(ssl, chrome_tls13) && SSL_set1_groups_list(ssl, chrome_groups);
        ok &= SSL_set1_sigalgs_list(ssl, chrome_sigalgs);
        break;
    case CA_OFFER_TLS12_ECDHE:
        ok &= SSL_set_min_proto_version(ssl, TLS1_2_VERSION) && SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
        ok &= SSL_set_cipher_list(ssl, chrome_ecdhe) && SSL_set1_groups_list(ssl, chrome_groups);
        ok &= SSL_set1_sigalgs_list(ssl, chrome_sigalgs);
        break;
    case CA_OFFER_TLS12_RSA:
        ok &= SSL_set_min_proto_version(ssl, TLS1_2_VERSION) && SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
        ok &= SSL_set_cipher_list(ssl, chrome_rsa);
        break;
    case CA_OFFER_LEGACY:
    default:
        ok &= SSL_set_min_proto_version(ssl, TLS1_VERSION) && SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
        ok &= SSL_set_cipher_list(ssl, "ALL:@SECLEVEL=0");
        break;
    }
    return ok;
}

/// The key exchange and its group, from the cipher and the server's ephemeral key.
static void describe_key_exchange(SSL *ssl, ca_tls_chain *out) {
    EVP_PKEY *ephemeral = NULL;
    if (SSL_get_peer_tmp_key(ssl, &ephemeral) && ephemeral != NULL) {
        int type = EVP_PKEY_get_base_id(ephemeral);
        if (type == EVP_PKEY_X25519) {
            snprintf(out->group, sizeof(out->group), "x25519");
        } else if (type == EVP_PKEY_X448) {
            snprintf(out->group, sizeof(out->group), "x448");
        } else {
            size_t length = 0;
            if (!EVP_PKEY_get_utf8_string_param(ephemeral, OSSL_PKEY_PARAM_GROUP_NAME, out->group, sizeof(out->group),
                                                &length)) {
                snprintf(out->group, sizeof(out->group), "%s-%d", type == EVP_PKEY_DH ? "dh" : "unknown",
                         EVP_PKEY_get_bits(ephemeral));
            }
        }
        EVP_PKEY_free(ephemeral);
    }
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    int kx = cipher ? SSL_CIPHER_get_kx_nid(cipher) : NID_undef;
    const char *name;
    if (kx == NID_kx_any) {
        // TLS 1.3: (EC)DHE by the group; ffdhe groups are finite-field.
        name = strncmp(out->group, "ffdhe", 5) == 0 || strncmp(out->group, "dh-", 3) == 0 ? "dhe" : "ecdhe";
    } else if (kx == NID_kx_ecdhe || kx == NID_kx_ecdhe_psk) {
        name = "ecdhe";
    } else if (kx == NID_kx_dhe || kx == NID_kx_dhe_psk) {
        name = "dhe";
    } else if (kx == NID_kx_rsa) {
        name = "rsa";
    } else if (kx == NID_kx_psk || kx == NID_kx_rsa_psk) {
        name = "psk";
    } else {
        name = "other";
    }
    snprintf(out->key_exchange, sizeof(out->key_exchange), "%s", name);
}

/// Copies a presented chain (DER, leaf first) into `out`.
static void copy_stack(STACK_OF(X509) *chain, ca_tls_chain *out) {
    int count = chain ? sk_X509_num(chain) : 0;
    out->certs = calloc((size_t)(count > 0 ? count : 1), sizeof(ca_p12_cert));
    for (int i = 0; out->certs != NULL && i < count; i++) {
        unsigned char *der = NULL;
        int length = i2d_X509(sk_X509_value(chain, i), &der);
        if (length > 0) {
            out->certs[out->count].der = malloc((size_t)length);
            if (out->certs[out->count].der != NULL) {
                memcpy(out->certs[out->count].der, der, (size_t)length);
                out->certs[out->count].der_len = (size_t)length;
                out->count += 1;
            }
        }
        OPENSSL_free(der);
    }
}

/// Runs where OpenSSL would verify the server's chain, before it checks the certificate against the
/// suite: OpenSSL's client aborts a TLS 1.2 ECDHE-ECDSA handshake whose certificate lacks
/// digitalSignature (SSL_R_BAD_ECC_CERT), as Chrome does, and the chain must still be audited. The
/// chain is kept; trust is never judged here (the audit does that).
static int capture_chain(X509_STORE_CTX *store, void *argument) {
    ca_tls_chain *out = argument;
    if (out->certs == NULL) {
        copy_stack(X509_STORE_CTX_get0_untrusted(store), out);
    }
    return 1;
}

int ca_tls_handshake(const ca_tls_request *request, ca_tls_chain *out) {
    memset(out, 0, sizeof(*out));
    ca_openssl_init();
    ERR_clear_error();
    long long deadline = request->deadline_ms;
    int fd = connect_before(request->host, request->port, deadline, out->message, sizeof(out->message), &out->failure,
                            out->address, sizeof(out->address));
    if (fd < 0) {
        return 0;
    }
    if (request->starttls != CA_STARTTLS_NONE) {
        int failure = CA_TLS_STARTTLS;
        if (!ca_starttls_run(fd, request->starttls, deadline, out->message, sizeof(out->message), &failure)) {
            out->failure = (ca_tls_failure)failure;
            close(fd);
            return 0;
        }
    }
    int ok = 0;
    pthread_once(&method_once, make_method);
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    SSL *ssl = context ? SSL_new(context) : NULL;
    BIO *bio = nosignal_method ? BIO_new(nosignal_method) : NULL;
    if (ssl == NULL || bio == NULL || !configure(ssl, request->offer, request->alpn_http)) {
        BIO_free(bio);
        ca_describe_error(out->message, sizeof(out->message), "cannot set up TLS");
        out->failure = CA_TLS_SETUP;
        goto done;
    }
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio);  // the SSL owns the BIO now
    if (request->want_chain) {
        SSL_CTX_set_cert_verify_callback(context, capture_chain, out);
    }
    if (request->server_name != NULL) {
        SSL_set_tlsext_host_name(ssl, request->server_name);
    }
    int driven = drive(ssl, fd, deadline);
    const SSL_CIPHER *pending = SSL_get_pending_cipher(ssl);
    if (driven == 0 && out->count > 0 && pending != NULL && SSL_version(ssl) == TLS1_2_VERSION &&
        SSL_CIPHER_get_auth_nid(pending) == NID_auth_ecdsa) {
        // The server chose an ECDHE-ECDSA suite and sent its chain; the handshake stopped on the
        // certificate (its KeyUsage). That is the handshake Chrome gets, and it fails the same way.
        ca_describe_error(out->message, sizeof(out->message), "TLS handshake stopped after the certificate");
        snprintf(out->protocol, sizeof(out->protocol), "%s", SSL_get_version(ssl));
        snprintf(out->cipher, sizeof(out->cipher), "%s", SSL_CIPHER_get_name(pending));
        snprintf(out->key_exchange, sizeof(out->key_exchange), "ecdhe");
        out->stopped_at_certificate = 1;
        out->failure = CA_TLS_OK;
        ok = 1;
        goto done;
    }
    if (driven != 1) {
        ca_tls_chain_free(out);
        out->failure = driven < 0 ? CA_TLS_TIMEOUT : CA_TLS_HANDSHAKE;
        if (driven < 0) {
            snprintf(out->message, sizeof(out->message), "TLS handshake failed: timed out");
        } else if (ERR_peek_last_error() != 0) {
            ca_describe_error(out->message, sizeof(out->message), "TLS handshake failed");
        } else {
            snprintf(out->message, sizeof(out->message), "TLS handshake failed: the server closed the connection");
        }
        goto done;
    }
    if (request->want_chain && out->certs == NULL) {
        copy_stack(SSL_get_peer_cert_chain(ssl), out);
    }
    snprintf(out->protocol, sizeof(out->protocol), "%s", SSL_get_version(ssl));
    snprintf(out->cipher, sizeof(out->cipher), "%s", SSL_get_cipher_name(ssl));
    describe_key_exchange(ssl, out);
    const unsigned char *selected = NULL;
    unsigned int selected_length = 0;
    SSL_get0_alpn_selected(ssl, &selected, &selected_length);
    if (selected != NULL && selected_length < sizeof(out->alpn)) {
        memcpy(out->alpn, selected, selected_length);
        out->alpn[selected_length] = '\0';
    }
    out->failure = CA_TLS_OK;
    ok = 1;
    SSL_shutdown(ssl);  // one non-blocking attempt: close_notify if the socket takes it, never a wait

done:
    SSL_free(ssl);
    SSL_CTX_free(context);
    close(fd);
    ERR_clear_error();
    return ok;
}

void ca_tls_chain_free(ca_tls_chain *chain) {
    for (size_t i = 0; i < chain->count; i++) {
        free(chain->certs[i].der);
    }
    free(chain->certs);
    chain->certs = NULL;
    chain->count = 0;
}
