#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(ca_buffer *out, const char *what) {
    ca_describe_error(out->message, sizeof(out->message), what);
    return 0;
}

static X509 *parse_cert(const unsigned char *der, size_t len) {
    const unsigned char *cursor = der;
    return d2i_X509(NULL, &cursor, (long)len);
}

void ca_buffer_free(ca_buffer *buffer) {
    if (buffer->data != NULL) {
        OPENSSL_cleanse(buffer->data, buffer->len);
        free(buffer->data);
    }
    buffer->data = NULL;
    buffer->len = 0;
}

/// Moves OpenSSL-encoded bytes into a malloc'd buffer the caller frees with ca_buffer_free (which
/// wipes it). OpenSSL's copy is wiped too: it may be a decrypted private key.
static int take(ca_buffer *out, unsigned char *der, int len) {
    if (len <= 0 || der == NULL) {
        OPENSSL_free(der);
        return fail(out, "encoding failed");
    }
    out->data = malloc((size_t)len);
    if (out->data == NULL) {
        OPENSSL_clear_free(der, (size_t)len);
        return fail(out, "out of memory");
    }
    memcpy(out->data, der, (size_t)len);
    out->len = (size_t)len;
    OPENSSL_clear_free(der, (size_t)len);
    return 1;
}

int ca_p12_create(const unsigned char *cert_der, size_t cert_len, const unsigned char *key_pkcs8, size_t key_len,
                  const unsigned char *const *ca_ders, const size_t *ca_lens, size_t ca_count,
                  const char *friendly_name, const unsigned char *local_key_id, size_t local_key_id_len,
                  const char *password, int legacy, ca_buffer *out) {
    memset(out, 0, sizeof(*out));
    ca_openssl_init();
    ERR_clear_error();
    int ok = 0;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    PKCS8_PRIV_KEY_INFO *info = NULL;
    STACK_OF(PKCS12_SAFEBAG) *cert_bags = NULL;
    STACK_OF(PKCS12_SAFEBAG) *key_bags = NULL;
    STACK_OF(PKCS7) *safes = NULL;
    PKCS12 *p12 = NULL;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;

    cert = parse_cert(cert_der, cert_len);
    if (cert == NULL) {
        fail(out, "certificate could not be decoded");
        goto done;
    }
    const unsigned char *cursor = key_pkcs8;
    info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &cursor, (long)key_len);
    key = info ? EVP_PKCS82PKEY(info) : NULL;
    if (key == NULL) {
        fail(out, "private key could not be decoded");
        goto done;
    }
    if (!X509_check_private_key(cert, key)) {
        fail(out, "private key does not match the certificate");
        goto done;
    }
    if (local_key_id == NULL || local_key_id_len == 0) {
        // What PKCS12_create does: the certificate's SHA-1 ties the key bag to the certificate bag.
        if (!X509_digest(cert, EVP_sha1(), digest, &digest_len)) {
            fail(out, "certificate digest failed");
            goto done;
        }
        local_key_id = digest;
        local_key_id_len = digest_len;
    }
    // The same layout as PKCS12_create: a safe of certificate bags (leaf first, with friendlyName and
    // localKeyID), then a safe holding the shrouded key bag with the same attributes.
    PKCS12_SAFEBAG *bag = PKCS12_add_cert(&cert_bags, cert);
    if (bag == NULL || !PKCS12_add_localkeyid(bag, (unsigned char *)local_key_id, (int)local_key_id_len)
        || (friendly_name != NULL && !PKCS12_add_friendlyname_utf8(bag, friendly_name, -1))) {
        fail(out, "certificate bag could not be built");
        goto done;
    }
    for (size_t i = 0; i < ca_count; i++) {
        X509 *ca = parse_cert(ca_ders[i], ca_lens[i]);
        PKCS12_SAFEBAG *ca_bag = ca ? PKCS12_add_cert(&cert_bags, ca) : NULL;
        X509_free(ca);
        if (ca_bag == NULL) {
            fail(out, "CA certificate could not be added");
            goto done;
        }
    }
    int nid = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
    if (!PKCS12_add_safe(&safes, cert_bags, nid, PKCS12_DEFAULT_ITER, password)) {
        fail(out, "certificate safe could not be encrypted");
        goto done;
    }
    PKCS12_SAFEBAG *key_bag = PKCS12_add_key(&key_bags, key, 0, PKCS12_DEFAULT_ITER, nid, password);
    if (key_bag == NULL || !PKCS12_add_localkeyid(key_bag, (unsigned char *)local_key_id, (int)local_key_id_len)
        || (friendly_name != NULL && !PKCS12_add_friendlyname_utf8(key_bag, friendly_name, -1))) {
        fail(out, "key bag could not be built");
        goto done;
    }
    if (!PKCS12_add_safe(&safes, key_bags, -1, 0, NULL)) {
        fail(out, "key safe could not be built");
        goto done;
    }
    p12 = PKCS12_add_safes(safes, 0);
    if (p12 == NULL) {
        fail(out, "PKCS#12 could not be built");
        goto done;
    }
    if (!PKCS12_set_mac(p12, password, -1, NULL, 0, PKCS12_DEFAULT_ITER, legacy ? EVP_sha1() : EVP_sha256())) {
        fail(out, "PKCS#12 MAC could not be set");
        goto done;
    }
    unsigned char *der = NULL;
    int der_len = i2d_PKCS12(p12, &der);
    ok = take(out, der, der_len);

done:
    PKCS12_free(p12);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    sk_PKCS12_SAFEBAG_pop_free(key_bags, PKCS12_SAFEBAG_free);
    sk_PKCS12_SAFEBAG_pop_free(cert_bags, PKCS12_SAFEBAG_free);
    EVP_PKEY_free(key);
    PKCS8_PRIV_KEY_INFO_free(info);
    X509_free(cert);
    return ok;
}

int ca_p7_create(const unsigned char *const *ders, const size_t *lens, size_t count, ca_buffer *out) {
    memset(out, 0, sizeof(*out));
    ERR_clear_error();
    int ok = 0;
    PKCS7 *p7 = PKCS7_new();
    if (p7 == NULL || !PKCS7_set_type(p7, NID_pkcs7_signed) || !PKCS7_content_new(p7, NID_pkcs7_data)) {
        fail(out, "PKCS#7 could not be built");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        X509 *cert = parse_cert(ders[i], lens[i]);
        if (cert == NULL || !PKCS7_add_certificate(p7, cert)) {
            X509_free(cert);
            fail(out, "certificate could not be added to PKCS#7");
            goto done;
        }
        X509_free(cert);
    }
    unsigned char *der = NULL;
    int der_len = i2d_PKCS7(p7, &der);
    ok = take(out, der, der_len);

done:
    PKCS7_free(p7);
    return ok;
}

int ca_pkcs8_decrypt(const unsigned char *der, size_t len, const char *password, ca_buffer *out) {
    memset(out, 0, sizeof(*out));
    ca_openssl_init();
    ERR_clear_error();
    const unsigned char *cursor = der;
    X509_SIG *encrypted = d2i_X509_SIG(NULL, &cursor, (long)len);
    if (encrypted == NULL) {
        return fail(out, "not an encrypted PKCS#8 key");
    }
    PKCS8_PRIV_KEY_INFO *info = PKCS8_decrypt(encrypted, password, password ? (int)strlen(password) : 0);
    X509_SIG_free(encrypted);
    if (info == NULL) {
        return fail(out, "wrong password or unsupported encryption");
    }
    unsigned char *plain = NULL;
    int plain_len = i2d_PKCS8_PRIV_KEY_INFO(info, &plain);
    PKCS8_PRIV_KEY_INFO_free(info);
    return take(out, plain, plain_len);
}

int ca_des_ede3_cbc(const unsigned char *key, const unsigned char *iv, const unsigned char *input, size_t length,
                    int encrypt, ca_buffer *out) {
    memset(out, 0, sizeof(*out));
    ca_openssl_init();
    if (length > (1 << 20)) {
        snprintf(out->message, sizeof(out->message), "input too large");
        return 0;
    }
    EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
    unsigned char *buffer = malloc(length + 16);
    int ok = 0;
    int written = 0;
    int final = 0;
    if (context != NULL && buffer != NULL && EVP_CipherInit_ex(context, EVP_des_ede3_cbc(), NULL, key, iv, encrypt) == 1 &&
        EVP_CipherUpdate(context, buffer, &written, input, (int)length) == 1 &&
        EVP_CipherFinal_ex(context, buffer + written, &final) == 1) {
        out->data = buffer;
        out->len = (size_t)(written + final);
        buffer = NULL;
        ok = 1;
    } else {
        ca_describe_error(out->message, sizeof(out->message), encrypt ? "3DES encryption failed" : "3DES decryption failed");
    }
    if (buffer != NULL) {
        OPENSSL_cleanse(buffer, length + 16);
        free(buffer);
    }
    EVP_CIPHER_CTX_free(context);
    return ok;
}
