// Whether a private key lying with a certificate belongs to it: the key's public half compared with the
// certificate's (EVP_PKEY_eq: the whole public key, not only an RSA modulus). `ca_private_key_matches`
// decrypts nothing: an encrypted key is reported as such. `ca_encrypted_key_matches` (only when the user
// asked for it) decrypts one with one password, inside OpenSSL, compares, and frees it wiped: the key
// never leaves this file.
#define _GNU_SOURCE  // memmem
#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <string.h>

/// Refuses every password prompt: OpenSSL's default callback would read one from the terminal.
static int no_password(char *buffer, int size, int rwflag, void *user) {
    (void)buffer;
    (void)size;
    (void)rwflag;
    (void)user;
    return -1;
}

static int contains(const unsigned char *bytes, size_t length, const char *needle) {
    size_t n = strlen(needle);
    return n <= length && memmem(bytes, length, needle, n) != NULL;
}

/// An EncryptedPrivateKeyInfo in DER: SEQUENCE { SEQUENCE { OID PBES2 (1.2.840.113549.1.5.13) or a
/// PKCS#12 PBE (1.2.840.113549.1.12.1.x) … } … } — the OID appears within the first bytes.
static int encrypted_der(const unsigned char *bytes, size_t length) {
    static const unsigned char pbes2[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d};
    static const unsigned char pkcs12[] = {0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01};
    size_t head = length < 32 ? length : 32;
    return memmem(bytes, head, pbes2, sizeof(pbes2)) != NULL || memmem(bytes, head, pkcs12, sizeof(pkcs12)) != NULL;
}

/// Compares a key with the certificates: CA_KEY_MATCH (and `*matched`), CA_KEY_MISMATCH, or
/// CA_KEY_CERTIFICATE_UNREADABLE when none could be compared. Frees nothing.
int ca_compare_key(const void *evp_pkey, const unsigned char *const *certificates, const size_t *lengths, size_t count,
                   size_t *matched, int *key_type, int *key_bits) {
    EVP_PKEY *pkey = (EVP_PKEY *)evp_pkey;
    *key_type = EVP_PKEY_get_base_id(pkey);
    *key_bits = EVP_PKEY_get_bits(pkey);
    int result = CA_KEY_MISMATCH;
    int compared = 0;
    for (size_t i = 0; i < count && result == CA_KEY_MISMATCH; i++) {
        if (lengths[i] == 0 || lengths[i] > (1 << 24)) {
            continue;
        }
        const unsigned char *cursor = certificates[i];
        X509 *x509 = d2i_X509(NULL, &cursor, (long)lengths[i]);
        EVP_PKEY *public = x509 ? X509_get0_pubkey(x509) : NULL;
        if (public != NULL) {
            int equal = EVP_PKEY_eq(public, pkey);
            if (equal == 1) {
                result = CA_KEY_MATCH;
                *matched = i;
            } else if (equal == -1 || equal == 0) {
                compared += 1;  // another key of the same or another type: a real mismatch
            }
        }
        X509_free(x509);
    }
    if (result == CA_KEY_MISMATCH && compared == 0) {
        result = CA_KEY_CERTIFICATE_UNREADABLE;  // nothing could be compared (-2: not comparable)
    }
    return result;
}

/// The password given to the legacy PEM decryption (Proc-Type: 4,ENCRYPTED), and whether it was asked.
typedef struct {
    const char *password;
    int asked;
} legacy_password;

static int give_password(char *buffer, int size, int rwflag, void *user) {
    (void)rwflag;
    legacy_password *given = user;
    given->asked = 1;
    size_t length = strlen(given->password);
    if (length > (size_t)size) {
        return -1;
    }
    memcpy(buffer, given->password, length);
    return (int)length;
}

int ca_encrypted_key_matches(const unsigned char *key, size_t key_length, const char *password,
                             const unsigned char *const *certificates, const size_t *lengths, size_t count,
                             size_t *matched, long *cost, int *key_type, int *key_bits) {
    ca_openssl_init();
    *matched = 0;
    *key_type = 0;
    *key_bits = 0;
    *cost = 0;
    if (key_length == 0 || key_length > (1 << 20) || password == NULL) {
        return CA_KEY_UNREADABLE;
    }
    int pem = contains(key, key_length, "-----BEGIN");
    EVP_PKEY *pkey = NULL;
    int status = CA_KEY_UNREADABLE;
    // The caller passes one PEM block (or DER): the legacy path only for a traditional key block whose own
    // header says Proc-Type, never for a PKCS#8 block, whose KDF cost must be checked first.
    if (pem && contains(key, key_length, "Proc-Type: 4,ENCRYPTED") && !contains(key, key_length, "BEGIN ENCRYPTED PRIVATE KEY")) {
        // Legacy OpenSSL encryption: EVP_BytesToKey with MD5, one iteration; nothing to bound.
        BIO *bio = BIO_new_mem_buf(key, (int)key_length);
        legacy_password given = {password, 0};
        pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, give_password, &given) : NULL;
        BIO_free(bio);
        status = pkey == NULL && given.asked ? CA_KEY_WRONG_PASSWORD : CA_KEY_UNREADABLE;
    } else {
        // PKCS#8 EncryptedPrivateKeyInfo, in PEM or DER: its KDF cost is read before anything derives a key.
        X509_SIG *sig = NULL;
        if (pem) {
            BIO *bio = BIO_new_mem_buf(key, (int)key_length);
            sig = bio ? PEM_read_bio_PKCS8(bio, NULL, no_password, NULL) : NULL;
            BIO_free(bio);
        } else {
            const unsigned char *cursor = key;
            sig = d2i_X509_SIG(NULL, &cursor, (long)key_length);
        }
        if (sig == NULL) {
            ERR_clear_error();
            return CA_KEY_UNREADABLE;
        }
        const X509_ALGOR *algorithm = NULL;
        X509_SIG_get0(sig, &algorithm, NULL);
        long pbe_cost = ca_pbe_cost(algorithm);
        *cost = pbe_cost;
        // The iteration cap of PKCS#12 files (scrypt counted as N·r·p, within OpenSSL's memory bound).
        if (pbe_cost < 0 || pbe_cost > CA_P12_MAX_ITERATIONS) {
            X509_SIG_free(sig);
            return pbe_cost < 0 ? CA_KEY_UNREADABLE : CA_KEY_LIMIT;
        }
        PKCS8_PRIV_KEY_INFO *info = PKCS8_decrypt(sig, password, (int)strlen(password));
        X509_SIG_free(sig);
        if (info == NULL) {
            ERR_clear_error();
            return CA_KEY_WRONG_PASSWORD;
        }
        pkey = EVP_PKCS82PKEY(info);
        PKCS8_PRIV_KEY_INFO_free(info);  // its key octets are cleared when freed
        status = CA_KEY_UNREADABLE;
    }
    if (pkey == NULL) {
        ERR_clear_error();
        return status;
    }
    int result = ca_compare_key(pkey, certificates, lengths, count, matched, key_type, key_bits);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return result;
}

int ca_private_key_matches(const unsigned char *key, size_t key_length, const unsigned char *const *certificates,
                           const size_t *lengths, size_t count, size_t *matched, int *key_type, int *key_bits) {
    ca_openssl_init();
    *matched = 0;
    *key_type = 0;
    *key_bits = 0;
    if (key_length == 0 || key_length > (1 << 20)) {
        return CA_KEY_UNREADABLE;
    }
    int pem = contains(key, key_length, "-----BEGIN");
    if ((pem && contains(key, key_length, "ENCRYPTED")) || (!pem && encrypted_der(key, key_length))) {
        return CA_KEY_ENCRYPTED;  // PKCS#8 "ENCRYPTED PRIVATE KEY", legacy "Proc-Type: 4,ENCRYPTED", or DER
    }
    // The key is read once, then compared with each certificate.
    EVP_PKEY *pkey = NULL;
    if (pem) {
        BIO *bio = BIO_new_mem_buf(key, (int)key_length);
        pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
        BIO_free(bio);
    } else {
        const unsigned char *cursor = key;
        pkey = d2i_AutoPrivateKey(NULL, &cursor, (long)key_length);
    }
    if (pkey == NULL) {
        ERR_clear_error();
        return CA_KEY_UNREADABLE;
    }
    int result = ca_compare_key(pkey, certificates, lengths, count, matched, key_type, key_bits);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return result;
}
