// Helpers shared by the shim's C files; not part of the Swift-facing API.
#ifndef CCERTAUDIT_SHIM_INTERNAL_H
#define CCERTAUDIT_SHIM_INTERNAL_H

#include <stddef.h>

/// Writes "what: <OpenSSL's last error>" (or just "what") into `out` and clears OpenSSL's error queue.
void ca_describe_error(char *out, size_t size, const char *what);

#endif
