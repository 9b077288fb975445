// Whether a private key lying with a certificate belongs to it: the key's public half compared with the
// certificate's (EVP_PKEY_eq: the whole public key, not only an RSA modulus). One key and one
// certificate at a time; nothing is decrypted: an encrypted key is reported as such.
#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
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
    for (size_t i = 0; n <= length && i <= length - n; i++) {
        if (memcmp(bytes + i, needle, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int ca_private_key_matches(const unsigned char *key, size_t key_length, const unsigned char *certificate,
                           size_t certificate_length) {
    ca_openssl_init();
    if (key_length == 0 || key_length > (1 << 20) || certificate_length == 0 || certificate_length > (1 << 24)) {
        return CA_KEY_UNREADABLE;
    }
    if (contains(key, key_length, "ENCRYPTED")) {
        return CA_KEY_ENCRYPTED;  // PKCS#8 "ENCRYPTED PRIVATE KEY" or legacy "Proc-Type: 4,ENCRYPTED"
    }
    EVP_PKEY *pkey = NULL;
    if (contains(key, key_length, "-----BEGIN")) {
        BIO *bio = BIO_new_mem_buf(key, (int)key_length);
        pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
        BIO_free(bio);
    } else {
        const unsigned char *cursor = key;
        pkey = d2i_AutoPrivateKey(NULL, &cursor, (long)key_length);
    }
    const unsigned char *cursor = certificate;
    X509 *x509 = pkey ? d2i_X509(NULL, &cursor, (long)certificate_length) : NULL;
    int result;
    if (pkey == NULL) {
        // DER that is an EncryptedPrivateKeyInfo reads as no key here: say "unreadable", not "mismatch".
        result = CA_KEY_UNREADABLE;
    } else if (x509 == NULL || X509_get0_pubkey(x509) == NULL) {
        result = CA_KEY_CERTIFICATE_UNREADABLE;
    } else {
        result = EVP_PKEY_eq(X509_get0_pubkey(x509), pkey) == 1 ? CA_KEY_MATCH : CA_KEY_MISMATCH;
    }
    X509_free(x509);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return result;
}
