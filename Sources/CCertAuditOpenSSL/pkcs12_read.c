#include "CCertAuditOpenSSL.h"
#include "shim_internal.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <limits.h>
#include <stdio.h>
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

/// What one PBE AlgorithmIdentifier is: its name (the cipher's for PBES2), whether it is a legacy
/// PKCS#12/PKCS#5 v1 scheme, and its iteration count (0 when it cannot be read).
typedef struct {
    char name[64];
    int legacy;
    int pbes2;
    long iterations;
} pbe_info;

static long integer_value(const ASN1_INTEGER *value) {
    if (value == NULL) {
        return 1;  // absent: the default of one iteration
    }
    long result = ASN1_INTEGER_get(value);
    return result < 0 ? LONG_MAX : result;  // -1: too large for a long
}

static pbe_info describe_pbe(const X509_ALGOR *algorithm) {
    pbe_info info;
    memset(&info, 0, sizeof(info));
    const ASN1_OBJECT *oid = NULL;
    int ptype = 0;
    const void *pval = NULL;
    X509_ALGOR_get0(&oid, &ptype, &pval, algorithm);
    int nid = OBJ_obj2nid(oid);
    if (nid == NID_pbes2 && ptype == V_ASN1_SEQUENCE) {
        info.pbes2 = 1;
        ASN1_TYPE wrapper = {.type = V_ASN1_SEQUENCE, .value.sequence = (ASN1_STRING *)pval};
        PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), &wrapper);
        if (pbe2 != NULL) {
            snprintf(info.name, sizeof(info.name), "%s", OBJ_nid2sn(OBJ_obj2nid(pbe2->encryption->algorithm)));
            int kdf_nid = OBJ_obj2nid(pbe2->keyfunc->algorithm);
            if (kdf_nid == NID_id_pbkdf2 && pbe2->keyfunc->parameter != NULL) {
                PBKDF2PARAM *kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
                if (kdf != NULL) {
                    info.iterations = integer_value(kdf->iter);
                }
                PBKDF2PARAM_free(kdf);
            } else if (kdf_nid == NID_id_scrypt && pbe2->keyfunc->parameter != NULL) {
                // scrypt: OpenSSL bounds its memory (32 MiB), not its time. N·r above 2^18 or p above 16 is
                // refused as over the limit; otherwise its cost is counted as N·r·p "iterations".
                SCRYPT_PARAMS *kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), pbe2->keyfunc->parameter);
                info.iterations = LONG_MAX;
                if (kdf != NULL) {
                    long n = integer_value(kdf->costParameter);
                    long r = integer_value(kdf->blockSize);
                    long p = integer_value(kdf->parallelizationParameter);
                    if (n > 0 && r > 0 && p > 0 && n <= (1L << 18) && r <= (1L << 18) / n && p <= 16) {
                        info.iterations = n * r * p;
                    }
                }
                SCRYPT_PARAMS_free(kdf);
            } else {
                info.iterations = LONG_MAX;  // a KDF we cannot bound: not run
            }
            PBE2PARAM_free(pbe2);
        } else {
            snprintf(info.name, sizeof(info.name), "PBES2");
        }
        return info;
    }
    // The long name, as `openssl pkcs12 -info` prints it: pbeWithSHA1And40BitRC2-CBC.
    snprintf(info.name, sizeof(info.name), "%s", nid == NID_undef ? "unknown" : OBJ_nid2ln(nid));
    info.legacy = 1;
    if (ptype == V_ASN1_SEQUENCE) {
        ASN1_TYPE wrapper = {.type = V_ASN1_SEQUENCE, .value.sequence = (ASN1_STRING *)pval};
        PBEPARAM *pbe = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), &wrapper);
        if (pbe != NULL) {
            info.iterations = integer_value(pbe->iter);
        }
        PBEPARAM_free(pbe);
    }
    return info;
}

long ca_pbe_cost(const void *x509_algor) {
    pbe_info info = describe_pbe(x509_algor);
    return info.iterations > 0 ? info.iterations : -1;
}

static long max_iterations = CA_P12_MAX_ITERATIONS;

void ca_p12_set_max_iterations(long limit) {
    max_iterations = limit > 0 && limit < CA_P12_MAX_ITERATIONS ? limit : CA_P12_MAX_ITERATIONS;
}

/// Records one PBE in the file's protection; returns 0 when its iteration count is over the cap.
static int note_pbe(ca_p12_contents *out, const pbe_info *info, char *slot, size_t slot_size, const char *what) {
    if (slot[0] == '\0') {
        snprintf(slot, slot_size, "%s", info->name);
    }
    if (info->legacy) {
        out->protection.family = CA_P12_FAMILY_LEGACY;
    } else if (out->protection.family == CA_P12_FAMILY_NONE) {
        out->protection.family = CA_P12_FAMILY_AES;
    }
    if (info->iterations > out->protection.max_iterations) {
        out->protection.max_iterations = info->iterations;
    }
    if (info->iterations > max_iterations) {
        snprintf(out->message, sizeof(out->message), "%s asks for %ld PBKDF iterations (more than the limit of %ld)",
                 what, info->iterations, max_iterations);
        return 0;
    }
    return 1;
}

static void keep_local_key_id(ca_p12_contents *out, const PKCS12_SAFEBAG *bag, int is_key) {
    if (out->protection.local_key_id_len > 0 && !is_key) {
        return;
    }
    if (is_key && out->private_keys > 1) {
        return;  // the first key bag's only
    }
    const ASN1_TYPE *id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
    if (id == NULL || id->type != V_ASN1_OCTET_STRING) {
        return;
    }
    int len = ASN1_STRING_length(id->value.octet_string);
    if (len <= 0 || (size_t)len > sizeof(out->protection.local_key_id)) {
        return;
    }
    memcpy(out->protection.local_key_id, ASN1_STRING_get0_data(id->value.octet_string), (size_t)len);
    out->protection.local_key_id_len = (size_t)len;
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
        OPENSSL_clear_free(der, (size_t)len);  // the decrypted key: wiped, not just freed
    } else {
        OPENSSL_free(der);
    }
}

/// Walks one SafeContents, recursing into nested safeContents bags.
/// With want_key 2: the first key bag's key, kept here (never in `out`) until it is compared.
static void keep_for_matching(EVP_PKEY **found, const PKCS8_PRIV_KEY_INFO *info) {
    if (*found == NULL && info != NULL) {
        *found = EVP_PKCS82PKEY(info);
    }
}

static ca_p12_status read_bags(const STACK_OF(PKCS12_SAFEBAG) *bags, const char *password, int password_len,
                               int want_key, ca_p12_contents *out, int depth, EVP_PKEY **found) {
    if (depth > 8) {
        snprintf(out->message, sizeof(out->message), "safe contents nested too deeply");
        return CA_P12_CORRUPT;
    }
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_keyBag:
            out->private_keys += 1;
            keep_local_key_id(out, bag, 1);
            if (want_key == 1) {
                keep_key(out, PKCS12_SAFEBAG_get0_p8inf(bag));
            } else if (want_key == 2) {
                keep_for_matching(found, PKCS12_SAFEBAG_get0_p8inf(bag));
            }
            break;
        case NID_pkcs8ShroudedKeyBag: {
            out->private_keys += 1;
            keep_local_key_id(out, bag, 1);
            const X509_ALGOR *algorithm = NULL;
            X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &algorithm, NULL);
            pbe_info pbe = describe_pbe(algorithm);
            if (!note_pbe(out, &pbe, out->protection.key_cipher, sizeof(out->protection.key_cipher), "a shrouded key bag")) {
                return CA_P12_LIMIT;
            }
            if ((want_key == 1 && out->key_pkcs8 == NULL) || (want_key == 2 && *found == NULL)) {
                PKCS8_PRIV_KEY_INFO *info = PKCS12_decrypt_skey(bag, password, password_len);
                if (want_key == 1) {
                    keep_key(out, info);
                } else {
                    keep_for_matching(found, info);
                }
                PKCS8_PRIV_KEY_INFO_free(info);  // its key octets are cleared when freed
                ERR_clear_error();
            }
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
            keep_local_key_id(out, bag, 0);
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
            ca_p12_status nested =
                read_bags(PKCS12_SAFEBAG_get0_safes(bag), password, password_len, want_key, out, depth + 1, found);
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

ca_p12_status ca_p12_read(const unsigned char *data, size_t len, const char *password, int want_key,
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

    if (PKCS12_mac_present(p12)) {
        const X509_ALGOR *mac_algorithm = NULL;
        const ASN1_INTEGER *mac_iterations = NULL;
        PKCS12_get0_mac(NULL, &mac_algorithm, NULL, &mac_iterations, p12);
        const ASN1_OBJECT *digest = NULL;
        X509_ALGOR_get0(&digest, NULL, NULL, mac_algorithm);
        int digest_nid = OBJ_obj2nid(digest);
        snprintf(out->protection.mac_digest, sizeof(out->protection.mac_digest), "%s",
                 digest_nid == NID_undef ? "unknown" : OBJ_nid2sn(digest_nid));
        out->protection.family = (digest_nid == NID_sha1 || digest_nid == NID_md5 || digest_nid == NID_md2)
                                     ? CA_P12_FAMILY_LEGACY : CA_P12_FAMILY_AES;
        long iterations = integer_value(mac_iterations);
        out->protection.max_iterations = iterations;
        if (iterations > max_iterations) {
            snprintf(out->message, sizeof(out->message), "the MAC asks for %ld iterations (more than the limit of %ld)",
                     iterations, max_iterations);
            PKCS12_free(p12);
            return CA_P12_LIMIT;
        }
    }

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
    EVP_PKEY *found = NULL;
    out->key_match = CA_KEY_UNREADABLE;
    for (int i = 0; i < sk_PKCS7_num(safes) && status == CA_P12_OK; i++) {
        PKCS7 *safe = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        switch (OBJ_obj2nid(safe->type)) {
        case NID_pkcs7_data:
            bags = PKCS12_unpack_p7data(safe);
            break;
        case NID_pkcs7_encrypted: {
            if (safe->d.encrypted == NULL || safe->d.encrypted->enc_data == NULL
                || safe->d.encrypted->enc_data->algorithm == NULL) {
                set_message(out, "an encrypted safe has no algorithm");
                status = CA_P12_CORRUPT;
                continue;
            }
            pbe_info pbe = describe_pbe(safe->d.encrypted->enc_data->algorithm);
            if (!note_pbe(out, &pbe, out->protection.certificate_cipher, sizeof(out->protection.certificate_cipher),
                          "an encrypted safe")) {
                status = CA_P12_LIMIT;
                continue;
            }
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
        }
        default:
            continue;  // enveloped data (public-key privacy mode): no certificates we can read
        }
        if (bags == NULL) {
            set_message(out, "safe contents could not be decoded");
            status = CA_P12_CORRUPT;
            continue;
        }
        status = read_bags(bags, password, password_len, want_key, out, 0, &found);
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(p12);
    if (found != NULL) {
        if (status == CA_P12_OK && out->count > 0) {
            const unsigned char **ders = malloc(out->count * sizeof(*ders));
            size_t *lengths = malloc(out->count * sizeof(*lengths));
            if (ders != NULL && lengths != NULL) {
                for (size_t i = 0; i < out->count; i++) {
                    ders[i] = out->certs[i].der;
                    lengths[i] = out->certs[i].der_len;
                }
                out->key_match = ca_compare_key(found, ders, lengths, out->count, &out->key_match_index, &out->key_type,
                                                &out->key_bits);
            }
            free(ders);
            free(lengths);
        }
        EVP_PKEY_free(found);
        ERR_clear_error();
    }

    if (status != CA_P12_OK) {
        ca_p12_contents_free(out);
        out->private_keys = 0;
        OPENSSL_cleanse(out->protection.local_key_id, sizeof(out->protection.local_key_id));
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
