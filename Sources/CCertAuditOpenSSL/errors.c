#include "shim_internal.h"

#include <openssl/err.h>
#include <stdio.h>

void ca_describe_error(char *out, size_t size, const char *what) {
    unsigned long code = ERR_peek_last_error();
    char reason[200] = "";
    if (code != 0) {
        ERR_error_string_n(code, reason, sizeof(reason));
    }
    snprintf(out, size, "%s%s%s", what, reason[0] ? ": " : "", reason);
    ERR_clear_error();
}
