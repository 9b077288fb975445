// Helpers shared by the shim's C files; not part of the Swift-facing API.
#ifndef CCERTAUDIT_SHIM_INTERNAL_H
#define CCERTAUDIT_SHIM_INTERNAL_H

#include <stddef.h>

/// Writes "what: <OpenSSL's last error>" (or just "what") into `out` and clears OpenSSL's error queue.
void ca_describe_error(char *out, size_t size, const char *what);

/// Milliseconds left until `deadline` (on `ca_monotonic_ms`'s clock), for poll(); 0 once it has passed.
int ca_remaining_ms(long long deadline);

/// Runs a STARTTLS exchange (`kind`, a `ca_starttls`) on a connected non-blocking socket before the
/// deadline. Returns 1 when the server is ready for the ClientHello; else 0 with `message` set and
/// `*failure` (a `ca_tls_failure`) CA_TLS_TIMEOUT or CA_TLS_STARTTLS.
int ca_starttls_run(int fd, int kind, long long deadline, char *message, size_t size, int *failure);

/// The cost of a password-based encryption AlgorithmIdentifier, read before any key derivation runs: its
/// PBKDF2 or PKCS#12 PBE iteration count, scrypt's N·r·p (LONG_MAX when N·r is above 2^18 or p above
/// 16, or for a KDF that cannot be bounded); -1 when the scheme cannot be read.
long ca_pbe_cost(const void *x509_algor);

/// Compares a private key (an EVP_PKEY) with DER certificates' public keys: a `ca_key_match`, with
/// `*matched` on a match; `*key_type` (EVP_PKEY base id) and `*key_bits` describe the key.
int ca_compare_key(const void *evp_pkey, const unsigned char *const *certificates, const size_t *lengths, size_t count,
                   size_t *matched, int *key_type, int *key_bits);

#endif
