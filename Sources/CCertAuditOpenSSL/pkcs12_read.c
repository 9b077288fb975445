#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static void set_message(ca_p12_contents *out, const char *prefix) {
    ca_describe_error(out->message, sizeof(out->message), prefix);
}

static int append_cert(ca_p12_contents *out, X509 *x509, char *friendly_name) {
    int der_len = i2d_X509(x509, NULL);
    if (der_len <= 0) {
        return 0;
    }
    ca_p12_cert *grown = realloc(out->certs, (out->count + 1) * sizeof(ca_p12_cert));
    if (grown == NULL) {
        return 0;
    }
    out->certs = grown;
    unsigned char *der = malloc((size_t)der_len);
    if (der == NULL) {
        return 0;
    }
    unsigned char *cursor = der;
    i2d_X509(x509, &cursor);
    char *name_copy = NULL;
    if (friendly_name != NULL) {
        name_copy = strdup(friendly_name);
    }
    out->certs[out->count].der = der;
    out->certs[out->count].der_len = (size_t)der_len;
    out->certs[out->count].friendly_name = name_copy;
    out->count += 1;
    return 1;
}

/// Keeps the first private key as unencrypted PKCS#8 DER.
static void keep_key(ca_p12_contents *out, const PKCS8_PRIV_KEY_INFO *info) {
    if (out->key_pkcs8 != NULL || info == NULL) {
        return;
    }
    unsigned char *der = NULL;
    int len = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
    if (len > 0) {
        out->key_pkcs8 = malloc((size_t)len);
        if (out->key_pkcs8 != NULL) {
            memcpy(out->key_pkcs8, der, (size_t)len);
            out->key_pkcs8_len = (size_t)len;
        }
    }
    OPENSSL_free(der);
}

/// Walks one SafeContents, recursing into nested safeContents bags.
static ca_p12_status read_bags(const STACK_OF(PKCS12_SAFEBAG) *bags, const char *password, int password_len,
                               ca_p12_contents *out, int depth) {
    if (depth > 8) {
        snprintf(out->message, sizeof(out->message), "safe contents nested too deeply");
        return CA_P12_CORRUPT;
    }
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_keyBag:
            out->private_keys += 1;
            keep_key(out, PKCS12_SAFEBAG_get0_p8inf(bag));
            break;
        case NID_pkcs8ShroudedKeyBag: {
            out->private_keys += 1;
            PKCS8_PRIV_KEY_INFO *info = PKCS12_decrypt_skey(bag, password, password_len);
            keep_key(out, info);
            PKCS8_PRIV_KEY_INFO_free(info);
            ERR_clear_error();
            break;
        }
        case NID_certBag: {
            if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) {
                break;  // SDSI certificates: not X.509, nothing to audit
            }
            X509 *x509 = PKCS12_SAFEBAG_get1_cert(bag);
            if (x509 == NULL) {
                set_message(out, "a certificate bag could not be decoded");
                return CA_P12_CORRUPT;
            }
            char *name = PKCS12_get_friendlyname((PKCS12_SAFEBAG *)bag);
            int ok = append_cert(out, x509, name);
            OPENSSL_free(name);
            X509_free(x509);
            if (!ok) {
                return CA_P12_NO_MEMORY;
            }
            break;
        }
        case NID_safeContentsBag: {
            ca_p12_status nested = read_bags(PKCS12_SAFEBAG_get0_safes(bag), password, password_len, out, depth + 1);
            if (nested != CA_P12_OK) {
                return nested;
            }
            break;
        }
        default:
            break;
        }
    }
    return CA_P12_OK;
}

ca_p12_status ca_p12_read(const unsigned char *data, size_t len, const char *password,
                          ca_p12_contents *out) {
    memset(out, 0, sizeof(*out));
    ca_openssl_init();
    ERR_clear_error();

    const unsigned char *cursor = data;
    PKCS12 *p12 = d2i_PKCS12(NULL, &cursor, (long)len);
    if (p12 == NULL) {
        set_message(out, "not a PKCS#12 structure");
        return CA_P12_NOT_PKCS12;
    }
    int password_len = password == NULL ? 0 : (int)strlen(password);

    if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, password, password_len)) {
        unsigned long code = ERR_peek_last_error();
        PKCS12_free(p12);
        // A MAC algorithm we cannot load is not a wrong password.
        if (code != 0 && ERR_GET_REASON(code) == ERR_R_UNSUPPORTED) {
            set_message(out, "unsupported MAC algorithm");
            return CA_P12_UNSUPPORTED;
        }
        set_message(out, "MAC verification failed");
        return CA_P12_BAD_PASSWORD;
    }

    STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
    if (safes == NULL) {
        set_message(out, "authenticated safes could not be decoded");
        PKCS12_free(p12);
        return CA_P12_CORRUPT;
    }

    ca_p12_status status = CA_P12_OK;
    for (int i = 0; i < sk_PKCS7_num(safes) && status == CA_P12_OK; i++) {
        PKCS7 *safe = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        switch (OBJ_obj2nid(safe->type)) {
        case NID_pkcs7_data:
            bags = PKCS12_unpack_p7data(safe);
            break;
        case NID_pkcs7_encrypted:
            bags = PKCS12_unpack_p7encdata(safe, password, password_len);
            if (bags == NULL) {
                unsigned long code = ERR_peek_last_error();
                int reason = ERR_GET_REASON(code);
                if (reason == ERR_R_UNSUPPORTED || reason == EVP_R_UNSUPPORTED_ALGORITHM
                    || reason == ERR_R_FETCH_FAILED) {
                    set_message(out, "encryption algorithm not available (legacy provider missing?)");
                    status = CA_P12_UNSUPPORTED;
                } else {
                    // Without a MAC, a wrong password shows up here as a decryption failure.
                    set_message(out, "encrypted safe could not be decrypted");
                    status = PKCS12_mac_present(p12) ? CA_P12_CORRUPT : CA_P12_BAD_PASSWORD;
                }
                continue;
            }
            break;
        default:
            continue;  // enveloped data (public-key privacy mode): no certificates we can read
        }
        if (bags == NULL) {
            set_message(out, "safe contents could not be decoded");
            status = CA_P12_CORRUPT;
            continue;
        }
        status = read_bags(bags, password, password_len, out, 0);
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(p12);

    if (status != CA_P12_OK) {
        ca_p12_contents_free(out);
        out->private_keys = 0;
    }
    return status;
}

void ca_p12_contents_free(ca_p12_contents *contents) {
    for (size_t i = 0; i < contents->count; i++) {
        free(contents->certs[i].der);
        free(contents->certs[i].friendly_name);
    }
    free(contents->certs);
    contents->certs = NULL;
    contents->count = 0;
    if (contents->key_pkcs8 != NULL) {
        OPENSSL_cleanse(contents->key_pkcs8, contents->key_pkcs8_len);
        free(contents->key_pkcs8);
    }
    contents->key_pkcs8 = NULL;
    contents->key_pkcs8_len = 0;
}
