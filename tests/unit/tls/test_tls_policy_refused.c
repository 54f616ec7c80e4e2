/* When OpenSSL refuses any part of the policy, the whole apply fails with
 * KEEL_ERR_TLS_POLICY: a context that is only partly held to the policy is never
 * reported as good. Failures are injected with the linker's --wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "keel/tls.h"

int __real_SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str);
int __real_SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str);
int __wrap_SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str);
int __wrap_SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str);

static int fail_suites;
static const char *cipher_override;

int __wrap_SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str)
{
    if (fail_suites)
        return 0;
    return __real_SSL_CTX_set_ciphersuites(ctx, str);
}

int __wrap_SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str)
{
    return __real_SSL_CTX_set_cipher_list(ctx, cipher_override ? cipher_override : str);
}

static void test_refused_suites(void **state)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    (void)state;
    fail_suites = 1;
    assert_int_equal(keel_tls_server_policy_apply(ctx), KEEL_ERR_TLS_POLICY);
    fail_suites = 0;
    assert_int_equal(keel_tls_server_policy_apply(ctx), KEEL_OK);
    SSL_CTX_free(ctx);
}

/* If the cipher string ever let a CBC or static-RSA suite through, the read-back check
 * catches it. */
static void test_nonconforming_list_caught(void **state)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    (void)state;
    cipher_override = "ECDHE-ECDSA-AES128-GCM-SHA256:AES128-SHA";
    assert_int_equal(keel_tls_server_policy_apply(ctx), KEEL_ERR_TLS_POLICY);
    cipher_override = NULL;
    SSL_CTX_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_suites),
        cmocka_unit_test(test_nonconforming_list_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
