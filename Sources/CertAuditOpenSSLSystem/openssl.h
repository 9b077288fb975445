#ifndef CERTAUDIT_OPENSSL_SYSTEM_H
#define CERTAUDIT_OPENSSL_SYSTEM_H
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#endif
