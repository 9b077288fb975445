#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/// Non-blocking connect bounded by timeout_ms, then back to blocking with send/receive timeouts.
static int connect_with_timeout(const char *host, const char *port, int timeout_ms, char *message, size_t size) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *addresses = NULL;
    int status = getaddrinfo(host, port, &hints, &addresses);
    if (status != 0) {
        snprintf(message, size, "cannot resolve %s: %s", host, gai_strerror(status));
        return -1;
    }
    int result = -1;
    for (struct addrinfo *address = addresses; address != NULL && result < 0; address = address->ai_next) {
        int fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
        if (fd < 0) {
            continue;
        }
        int flags = fcntl(fd, F_GETFL, 0);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        int connected = connect(fd, address->ai_addr, address->ai_addrlen);
        if (connected != 0 && errno == EINPROGRESS) {
            struct pollfd waiter = {.fd = fd, .events = POLLOUT, .revents = 0};
            int ready = poll(&waiter, 1, timeout_ms);
            int error = 0;
            socklen_t length = sizeof(error);
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
                connected = 0;
            } else {
                snprintf(message, size, "cannot connect to %s:%s: %s", host, port,
                         ready == 0 ? "timed out" : strerror(error ? error : errno));
            }
        } else if (connected != 0) {
            snprintf(message, size, "cannot connect to %s:%s: %s", host, port, strerror(errno));
        }
        if (connected == 0) {
            fcntl(fd, F_SETFL, flags);
            struct timeval limit = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
            result = fd;
        } else {
            close(fd);
        }
    }
    freeaddrinfo(addresses);
    return result;
}

int ca_tls_fetch_chain(const char *host, const char *port, const char *server_name, int timeout_ms,
                       ca_tls_chain *out) {
    memset(out, 0, sizeof(*out));
    ca_openssl_init();
    ERR_clear_error();
    int fd = connect_with_timeout(host, port, timeout_ms, out->message, sizeof(out->message));
    if (fd < 0) {
        return 0;
    }
    int ok = 0;
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    SSL *ssl = context ? SSL_new(context) : NULL;
    if (ssl == NULL) {
        ca_describe_error(out->message, sizeof(out->message), "cannot set up TLS");
        goto done;
    }
    // Audit, do not trust-check: accept whatever chain the server presents, and still reach TLS 1.0
    // servers with weak settings (the rules judge them).
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(context, 0);
    SSL_CTX_set_min_proto_version(context, TLS1_VERSION);
    if (server_name != NULL) {
        SSL_set_tlsext_host_name(ssl, server_name);
    }
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        if (ERR_peek_last_error() != 0) {
            ca_describe_error(out->message, sizeof(out->message), "TLS handshake failed");
        } else {
            snprintf(out->message, sizeof(out->message), "TLS handshake failed: %s",
                     errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : "the server closed the connection");
        }
        goto done;
    }
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
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
    snprintf(out->protocol, sizeof(out->protocol), "%s", SSL_get_version(ssl));
    snprintf(out->cipher, sizeof(out->cipher), "%s", SSL_get_cipher_name(ssl));
    ok = 1;
    SSL_shutdown(ssl);

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
