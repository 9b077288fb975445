#include "CCertAuditOpenSSL.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void ca_fix_mmap_threshold(void) {
#if defined(__GLIBC__)
    // Allocations of 1 MiB and more (a big file's bytes, its rendered reports) are mapped and unmapped
    // on free. glibc would otherwise raise this threshold after each such free and serve the next big
    // block from a thread's heap, which it keeps: two workers then hold two big files' worth for good.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

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
