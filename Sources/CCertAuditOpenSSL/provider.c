#include "CCertAuditOpenSSL.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <pthread.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int legacy_loaded = 0;

// Kept for the life of the process (and so reachable: not a leak to LeakSanitizer).
static OSSL_PROVIDER *default_provider = NULL;
static OSSL_PROVIDER *legacy_provider = NULL;

static void load_providers(void) {
    // Loading any provider explicitly turns off the implicit `default`, so load both.
    default_provider = OSSL_PROVIDER_load(NULL, "default");
    legacy_provider = OSSL_PROVIDER_load(NULL, "legacy");
    legacy_loaded = legacy_provider != NULL;
    ERR_clear_error();
}

int ca_openssl_init(void) {
    pthread_once(&init_once, load_providers);
    return legacy_loaded;
}
