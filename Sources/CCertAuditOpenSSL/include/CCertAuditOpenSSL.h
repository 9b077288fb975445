// certaudit's C shim over system OpenSSL 3.
// Bytes in, bytes out: no OpenSSL type appears in this header, so no OpenSSL pointer reaches Swift.
#ifndef CCERTAUDIT_OPENSSL_H
#define CCERTAUDIT_OPENSSL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of reading a PKCS#12 file.
typedef enum {
    CA_P12_OK = 0,
    CA_P12_NOT_PKCS12 = 1,     ///< the bytes are not a PKCS#12 PFX structure
    CA_P12_BAD_PASSWORD = 2,   ///< MAC check or decryption failed with this password
    CA_P12_CORRUPT = 3,        ///< PFX structure parsed, but its contents could not be decoded
    CA_P12_UNSUPPORTED = 4,    ///< an algorithm OpenSSL cannot load (e.g. legacy provider missing)
    CA_P12_NO_MEMORY = 5,
    CA_P12_LIMIT = 6           ///< an iteration count above `CA_P12_MAX_ITERATIONS`: refused before any KDF runs
} ca_p12_status;

/// The largest PBKDF/MAC iteration count a PKCS#12 file may ask for (Windows and OpenSSL write 2,000 to
/// 10,000; Java 600,000 at most). Above it, reading a 1 KB file could take minutes per password.
#define CA_P12_MAX_ITERATIONS 10000000

/// Lowers the iteration limit for this process (the fuzz targets use it; 0 restores the default).
void ca_p12_set_max_iterations(long limit);

/// Which family of algorithms protects a PKCS#12 file.
typedef enum {
    CA_P12_FAMILY_NONE = 0,    ///< no MAC and no encryption
    CA_P12_FAMILY_LEGACY = 1,  ///< a PKCS#12 PBE (RC2, RC4, 3DES with SHA-1) or a SHA-1/MD5 MAC somewhere
    CA_P12_FAMILY_AES = 2      ///< PBES2 (PBKDF2 + AES…) and a SHA-2 MAC throughout
} ca_p12_family;

/// How a PKCS#12 file is protected, read from its structure (nothing is decrypted for it).
typedef struct {
    ca_p12_family family;
    char mac_digest[32];        ///< e.g. "SHA1", "SHA256"; empty when there is no MAC
    char certificate_cipher[64];///< the encrypted safe's algorithm, e.g. "pbeWithSHA1And40BitRC2-CBC",
                                ///< "AES-256-CBC" (PBES2); empty when certificates are not encrypted
    char key_cipher[64];        ///< the first shrouded key bag's algorithm; empty when there is none
    long max_iterations;        ///< the largest MAC or PBKDF iteration count seen
    unsigned char local_key_id[64]; ///< the first key bag's localKeyID (else the first certificate bag's)
    size_t local_key_id_len;    ///< 0 when no bag has one
} ca_p12_protection;

/// One certificate bag: DER bytes exactly as OpenSSL re-encodes them, and the bag's friendlyName.
typedef struct {
    unsigned char *der;
    size_t der_len;
    char *friendly_name;   ///< UTF-8, NUL-terminated, or NULL when the bag has none
} ca_p12_cert;

typedef struct {
    ca_p12_cert *certs;
    size_t count;
    int private_keys;      ///< number of key bags (plain or shrouded)
    int key_match;         ///< with want_key 2: a `ca_key_match` for the first key bag (0 = mismatch), or
                           ///< CA_KEY_UNREADABLE when there is none or it could not be decrypted
    size_t key_match_index;///< the certificate it belongs to, on CA_KEY_MATCH
    int key_type;          ///< with want_key 2: the key's EVP_PKEY base id and bits (0 when unknown)
    int key_bits;
    unsigned char *key_pkcs8;  ///< the first private key as unencrypted PKCS#8 DER, or NULL
    size_t key_pkcs8_len;
    ca_p12_protection protection;
    char message[256];     ///< OpenSSL's reason when status != OK
} ca_p12_contents;

/// Bytes made by OpenSSL, owned by the caller until `ca_buffer_free`.
typedef struct {
    unsigned char *data;
    size_t len;
    char message[256];     ///< OpenSSL's reason when a function returns 0
} ca_buffer;

void ca_buffer_free(ca_buffer *buffer);

/// Builds a PKCS#12 file: the certificate, its private key (PKCS#8 DER), optional CA certificates, and
/// on the key and certificate bags a friendlyName (when not NULL) and a localKeyID (`local_key_id`, or
/// the certificate's SHA-1 when NULL, as OpenSSL does). `legacy` = 0: AES-256-CBC (PBES2/PBKDF2-SHA256)
/// and a SHA-256 MAC; `legacy` = 1: 3DES (pbeWithSHA1And3-KeyTripleDES-CBC) and a SHA-1 MAC, which
/// Windows Server 2016 and older import. Returns 1 on success.
int ca_p12_create(const unsigned char *cert_der, size_t cert_len, const unsigned char *key_pkcs8, size_t key_len,
                  const unsigned char *const *ca_ders, const size_t *ca_lens, size_t ca_count,
                  const char *friendly_name, const unsigned char *local_key_id, size_t local_key_id_len,
                  const char *password, int legacy, ca_buffer *out);

/// Decrypts an EncryptedPrivateKeyInfo (DER of an `ENCRYPTED PRIVATE KEY` PEM block) into unencrypted
/// PKCS#8 DER. Returns 1 on success, 0 on a wrong password or an undecodable key (see `message`).
int ca_pkcs8_decrypt(const unsigned char *der, size_t len, const char *password, ca_buffer *out);

/// DES-EDE3-CBC with PKCS#5 padding (`encrypt` 1) or its removal (0): the cipher of Java's JCEKS key
/// protection (PBEWithMD5AndTripleDES, whose key derivation is done in Swift). Returns 1 on success.
int ca_des_ede3_cbc(const unsigned char *key, const unsigned char *iv, const unsigned char *input, size_t length,
                    int encrypt, ca_buffer *out);

/// Builds a certs-only PKCS#7 SignedData (`.p7b`, DER) holding `count` certificates in order.
/// Returns 1 on success.
int ca_p7_create(const unsigned char *const *ders, const size_t *lens, size_t count, ca_buffer *out);

/// Loads the `default` and `legacy` providers once (RC2/3DES PKCS#12 need `legacy`).
/// Returns 1 when the legacy provider is available, 0 when only `default` could be loaded.
int ca_openssl_init(void);

/// Reads every certificate bag of a PKCS#12 file, and how the file is protected.
/// `password` is UTF-8; pass `NULL` for "no password" (distinct from the empty string: Windows exports
/// use either). Shrouded key bags are decrypted only when `want_key` is 1 (remediation: the key is
/// returned) or 2 (`--match-encrypted-keys`: the first key is compared with the certificates inside the
/// shim, `key_match` says how, and the key is freed wiped); otherwise no private key is decrypted. Iteration counts above CA_P12_MAX_ITERATIONS are refused (CA_P12_LIMIT)
/// before any key derivation. On any status but CA_P12_OK, `out` holds no certificates but may hold a
/// message. Always call `ca_p12_contents_free` afterwards.
ca_p12_status ca_p12_read(const unsigned char *data, size_t len, const char *password, int want_key,
                          ca_p12_contents *out);

void ca_p12_contents_free(ca_p12_contents *contents);

/// Why `ca_tls_handshake` failed.
typedef enum {
    CA_TLS_OK = 0,
    CA_TLS_RESOLVE = 1,    ///< the name did not resolve
    CA_TLS_CONNECT = 2,    ///< no TCP connection
    CA_TLS_TIMEOUT = 3,    ///< the deadline passed (resolution, connect, STARTTLS or handshake)
    CA_TLS_SETUP = 4,      ///< OpenSSL objects could not be made
    CA_TLS_HANDSHAKE = 5,  ///< the handshake failed or the server closed the connection
    CA_TLS_STARTTLS = 6,   ///< the plaintext protocol did not lead to TLS (refused, garbage, closed)
} ca_tls_failure;

/// What the ClientHello offers.
typedef enum {
    /// What Chrome/Edge offer: TLS 1.3 and 1.2, Chrome's TLS 1.2 suites in Chrome's order, groups X25519,
    /// P-256, P-384, Chrome's signature algorithms, ALPN h2 and http/1.1 (with `alpn_http`).
    CA_OFFER_CHROME = 0,
    CA_OFFER_TLS13 = 1,         ///< TLS 1.3 alone
    CA_OFFER_TLS12_ECDHE = 2,   ///< TLS 1.2 alone, Chrome's ECDHE suites alone
    CA_OFFER_TLS12_RSA = 3,     ///< TLS 1.2 alone, Chrome's plain-RSA key exchange suites alone
    CA_OFFER_LEGACY = 4,        ///< TLS 1.0 to 1.2, every suite OpenSSL has (security level 0)
} ca_tls_offer;

/// The plaintext exchange before the handshake.
typedef enum {
    CA_STARTTLS_NONE = 0,   ///< implicit TLS
    CA_STARTTLS_SMTP = 1,   ///< RFC 3207 (also submission)
    CA_STARTTLS_IMAP = 2,   ///< RFC 3501 §6.2.1
    CA_STARTTLS_POP3 = 3,   ///< RFC 2595 §4 (STLS)
    CA_STARTTLS_LDAP = 4,   ///< RFC 4511 §4.14 (StartTLS extended operation)
    CA_STARTTLS_FTP = 5,    ///< RFC 4217 (AUTH TLS)
    CA_STARTTLS_POSTGRES = 6,  ///< PostgreSQL SSLRequest
} ca_starttls;

typedef struct {
    const char *host;          ///< name or address
    const char *port;
    const char *server_name;   ///< SNI; NULL for none
    ca_starttls starttls;
    ca_tls_offer offer;
    int alpn_http;             ///< offer ALPN h2, http/1.1 (with CA_OFFER_CHROME)
    int want_chain;            ///< copy the presented chain into the result
    long long deadline_ms;     ///< on `ca_monotonic_ms`'s clock: bounds the whole exchange, DNS included
} ca_tls_request;

/// The certificate chain a TLS server presents, and what the handshake negotiated.
typedef struct {
    ca_p12_cert *certs;    ///< in the order the server sent them (leaf first); friendly_name unused
    size_t count;
    char protocol[32];     ///< e.g. "TLSv1.3"
    char cipher[128];      ///< OpenSSL's name, e.g. "TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256"
    char key_exchange[16]; ///< "ecdhe", "dhe", "rsa", "psk" or "other"
    char group[32];        ///< the key exchange group ("x25519", "prime256v1", "ffdhe2048"…); empty for RSA
    char alpn[32];         ///< the protocol the server selected by ALPN; empty when none
    char address[64];      ///< the numeric address the connection went to (later probes reuse it: one DNS lookup)
    char message[256];     ///< the reason when the function returns 0 (or why it stopped, below)
    ca_tls_failure failure;  ///< its kind when the function returns 0
    /// 1 when the server chose a TLS 1.2 ECDHE-ECDSA suite and sent its chain, and the handshake then
    /// stopped on the certificate (OpenSSL's client, like Chrome, refuses an ECDSA key whose KeyUsage
    /// lacks digitalSignature): the function returns 1 with the chain and what was chosen.
    int stopped_at_certificate;
} ca_tls_chain;

/// Milliseconds on the monotonic clock the deadlines use.
long long ca_monotonic_ms(void);

/// Connects to host:port, runs the STARTTLS exchange if any, and completes a TLS handshake with the
/// requested offer without judging trust (the audit does that). One deadline bounds the whole exchange:
/// name resolution, connect, STARTTLS, handshake and chain (a server that sends one byte at a time cannot
/// stretch it). Never raises SIGPIPE. Returns 1 on success. Always call `ca_tls_chain_free` afterwards.
int ca_tls_handshake(const ca_tls_request *request, ca_tls_chain *out);

void ca_tls_chain_free(ca_tls_chain *chain);

/// For tests and fuzzing: the STARTTLS client of `kind` (a `ca_starttls`) on a connected socket, for at
/// most `timeout_ms`. Returns 1 when the server is ready for the ClientHello; else 0 with `message` and
/// `*failure` (a `ca_tls_failure`) set.
int ca_starttls_probe(int fd, int kind, int timeout_ms, char *message, size_t size, int *failure);

/// What `ca_private_key_matches` found.
typedef enum {
    CA_KEY_MATCH = 1,                   ///< the key's public half is the certificate's public key
    CA_KEY_MISMATCH = 0,                ///< a readable key of another pair
    CA_KEY_ENCRYPTED = -1,              ///< encrypted (not decrypted: the match is not checked)
    CA_KEY_UNREADABLE = -2,             ///< no private key OpenSSL can read (or an encrypted DER one)
    CA_KEY_CERTIFICATE_UNREADABLE = -3, ///< OpenSSL cannot read the certificate
    CA_KEY_WRONG_PASSWORD = -4,         ///< encrypted, and the password does not open it
    CA_KEY_LIMIT = -5,                  ///< encrypted with a KDF cost above the cap: not decrypted
} ca_key_match;

/// Whether `key` (PEM — PKCS#8, PKCS#1 RSA, SEC1 EC — or DER) belongs to one of `count` certificates
/// (DER), comparing whole public keys; the key is read once. Never prompts for or uses a password.
/// Returns a `ca_key_match`; on CA_KEY_MATCH, `*matched` is the certificate's index.
/// `*key_type` is the key's EVP_PKEY base id (EVP_PKEY_RSA, EVP_PKEY_EC, …) and `*key_bits` its size,
/// once the key could be read (0 otherwise).
int ca_private_key_matches(const unsigned char *key, size_t key_length, const unsigned char *const *certificates,
                           const size_t *lengths, size_t count, size_t *matched, int *key_type, int *key_bits);

/// For an encrypted key (PKCS#8 `ENCRYPTED PRIVATE KEY` in PEM or DER, or legacy `Proc-Type: 4,ENCRYPTED`
/// PEM): decrypts it with `password` inside OpenSSL and compares it as `ca_private_key_matches` does; the
/// decrypted key is freed wiped and never returned. A PBKDF2 or PKCS#12 PBE iteration count above
/// CA_P12_MAX_ITERATIONS, or an scrypt cost above OpenSSL's memory bound, is refused (CA_KEY_LIMIT)
/// before any derivation; `*cost` is that count (or scrypt's N·r). Only called when the user asked for
/// encrypted keys to be matched.
int ca_encrypted_key_matches(const unsigned char *key, size_t key_length, const char *password,
                             const unsigned char *const *certificates, const size_t *lengths, size_t count,
                             size_t *matched, long *cost, int *key_type, int *key_bits);

/// Overwrites `count` bytes with zeros in a way the compiler cannot drop (OPENSSL_cleanse): for
/// private keys and passwords in Swift buffers.
void ca_wipe(void *bytes, size_t count);

/// Fixes glibc's mmap threshold at 1 MiB (instead of letting it grow), so that big blocks go back to
/// the system when freed.
void ca_fix_mmap_threshold(void);

/// Returns freed heap memory to the system (glibc's malloc_trim: every arena, not only the caller's).
void ca_release_free_memory(void);

/// Temporary files to remove if a signal stops the process (SIGINT, SIGTERM, SIGHUP, SIGQUIT, once
/// `ca_signal_cleanup_install` ran): a file being written under a temporary name registers its path,
/// and unregisters it (by the slot `ca_tempfile_register` returned) once renamed into place or removed.
/// At most 256 at once (-1 beyond: not registered). Thread-safe.
int ca_tempfile_register(const char *path);
void ca_tempfile_unregister(int slot);
/// Removes every registered file now (a server's graceful stop, which handles its signals itself).
void ca_tempfile_remove_all(void);

/// Installs the handlers: remove the registered files, then die of the signal. Signals the parent made
/// the process ignore stay ignored; the handled ones are unblocked.
void ca_signal_cleanup_install(void);

/// A critical section (an in-place transaction's renames and roll-back): a signal that arrives inside
/// waits until the outermost section is left, then stops the process as above.
void ca_critical_enter(void);
void ca_critical_leave(void);
/// The signal waiting for the critical section to end; 0 for none.
int ca_signal_pending(void);

#ifdef __cplusplus
}
#endif

#endif
