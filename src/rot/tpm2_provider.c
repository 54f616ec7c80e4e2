/* The identity key reaches OpenSSL through the tpm2-openssl provider. The provider connects
 * to its TPM once, when it is first loaded into a library context, and reads the TCTI from
 * the environment variable TPM2OPENSSL_TCTI (which it prefers over its "tcti" configuration
 * parameter). So:
 *   - the first tpm2 root of trust of the process loads tpm2 and default into OpenSSL's
 *     default context, bound to its TCTI for the life of the process (keel_rot_libctx gives
 *     NULL and every library's SSL_CTX can use the key);
 *   - a later one for another TPM, or when the application loaded tpm2 itself (its TCTI is
 *     unknown to us), gets a private library context of its own, freed on close.
 * Operations on the identity key must be fetched with the property query "?provider=tpm2"
 * (keel_rot_propq): with OpenSSL 3.0 and tpm2-openssl 1.1, a fetch without it takes the default
 * provider's ECDSA, to which the tpm2 key exports only its public half, and signing fails.
 * The environment variable is set only around the load and restored after it; the load is
 * serialised by a mutex, but another thread calling getenv at that moment is not. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "tpm2_private.h"

#define TCTI_ENV "TPM2OPENSSL_TCTI"

static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;
static char default_tcti[KEEL_ROT_SPEC_MAX]; /* the TPM the default context is bound to */

static OSSL_PROVIDER *load_with_tcti(OSSL_LIB_CTX *ctx, const char *tcti)
{
    char saved[KEEL_ROT_SPEC_MAX];
    const char *old = getenv(TCTI_ENV);
    int had_old = old != NULL && keel_str_copy(saved, sizeof(saved), old) == KEEL_OK;
    OSSL_PROVIDER *prov;

    if (setenv(TCTI_ENV, tcti, 1) != 0)
        return NULL;
    prov = OSSL_PROVIDER_load(ctx, "tpm2");
    if (had_old)
        setenv(TCTI_ENV, saved, 1);
    else
        unsetenv(TCTI_ENV);
    return prov;
}

/* default first: OpenSSL 3.0 fetches from the providers in the order they were loaded, and
 * every algorithm but the identity key's must stay in software (tpm2 also offers SHA-2, AES
 * and a DRBG, which through a TPM are slow and take its few object slots). */
static keel_err load_pair(OSSL_LIB_CTX *ctx, const char *tcti, OSSL_PROVIDER **tpm2,
                          OSSL_PROVIDER **dflt)
{
    *dflt = OSSL_PROVIDER_load(ctx, "default");
    if (*dflt == NULL) {
        ERR_clear_error();
        return KEEL_ERR_CRYPTO;
    }
    *tpm2 = load_with_tcti(ctx, tcti);
    if (*tpm2 == NULL) {
        keel_log(KEEL_LOG_ERROR, "rot: the tpm2 OpenSSL provider cannot be loaded for TCTI %s: %s",
                 tcti, ERR_reason_error_string(ERR_peek_last_error()));
        ERR_clear_error();
        OSSL_PROVIDER_unload(*dflt);
        *dflt = NULL;
        return KEEL_ERR_ROT_UNAVAILABLE;
    }
    return KEEL_OK;
}

static keel_err load_private(keel_rot *rot)
{
    struct keel_rot_tpm2 *t = rot->tpm2;
    keel_err ret;

    rot->libctx = OSSL_LIB_CTX_new();
    if (rot->libctx == NULL)
        return KEEL_ERR_NOMEM;
    ret = load_pair(rot->libctx, rot->tcti, &t->prov_tpm2, &t->prov_default);
    if (ret != KEEL_OK) {
        OSSL_LIB_CTX_free(rot->libctx);
        rot->libctx = NULL;
    }
    return ret;
}

keel_err keel_rot_tpm2_providers_load(keel_rot *rot)
{
    /* Held for the life of the process: OpenSSL frees them at exit. */
    static OSSL_PROVIDER *default_tpm2, *default_default;
    keel_err ret = KEEL_OK;

    pthread_mutex_lock(&bind_lock);
    if (default_tcti[0] == '\0' && OSSL_PROVIDER_available(NULL, "tpm2") == 0) {
        ret = load_pair(NULL, rot->tcti, &default_tpm2, &default_default);
        if (ret == KEEL_OK)
            ret = keel_str_copy(default_tcti, sizeof(default_tcti), rot->tcti);
    } else if (strcmp(default_tcti, rot->tcti) != 0) {
        ret = load_private(rot);
    }
    pthread_mutex_unlock(&bind_lock);
    return ret;
}

void keel_rot_tpm2_providers_unload(keel_rot *rot)
{
    struct keel_rot_tpm2 *t = rot->tpm2;

    if (rot->libctx == NULL)
        return;
    OSSL_PROVIDER_unload(t->prov_tpm2);
    OSSL_PROVIDER_unload(t->prov_default);
    /* the key objects of a private context go with it */
    t->prov_tpm2 = NULL;
    t->prov_default = NULL;
    OSSL_LIB_CTX_free(rot->libctx);
    rot->libctx = NULL;
}
