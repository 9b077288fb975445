#include "CCertAuditOpenSSL.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void ca_release_free_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

#include <openssl/crypto.h>

void ca_wipe(void *bytes, size_t count) {
    if (bytes != NULL && count > 0) {
        OPENSSL_cleanse(bytes, count);
    }
}
