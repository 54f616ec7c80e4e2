/* The tpm2 backend: a TPM 2.0 through tpm2-tss (TCTI loader, then ESAPI). Keys are made by
 * the TPM and never leave it unsealed except the storage key on unseal (5.4-1). */
#include <stdlib.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpm2_private.h"

static void tpm2_close(keel_rot *rot);

const keel_rot_ops keel_rot_tpm2_ops = {
    .key_create = keel_rot_tpm2_key_create,
    .key_unseal = keel_rot_tpm2_key_unseal,
    .key_destroy = keel_rot_tpm2_key_destroy,
    .counter_read = keel_rot_tpm2_counter_read,
    .counter_increment = keel_rot_tpm2_counter_increment,
    .close = tpm2_close,
    .identity_propq = "provider=tpm2",
    .identity_propq_prefer = "?provider=tpm2",
    .identity_structure = NULL,
};

static int unreachable(TSS2_RC rc)
{
    TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
    TSS2_RC base = rc & 0xffffu;

    if (layer == TSS2_TCTI_RC_LAYER)
        return 1;
    if (layer != TSS2_ESAPI_RC_LAYER && layer != TSS2_SYS_RC_LAYER)
        return 0;
    return base == TSS2_BASE_RC_NO_CONNECTION || base == TSS2_BASE_RC_TRY_AGAIN ||
           base == TSS2_BASE_RC_IO_ERROR;
}

keel_err keel_rot_tpm2_err(TSS2_RC rc, const char *what, keel_err tpm_error)
{
    if (rc == TSS2_RC_SUCCESS)
        return KEEL_OK;
    keel_log(KEEL_LOG_ERROR, "rot: tpm2 %s failed: %s", what, Tss2_RC_Decode(rc));
    return unreachable(rc) ? KEEL_ERR_ROT_UNAVAILABLE : tpm_error;
}

static keel_err connect_tpm(keel_rot *rot, struct keel_rot_tpm2 *t)
{
    TSS2_RC rc = Tss2_TctiLdr_Initialize(rot->tcti, &t->tcti);

    if (rc != TSS2_RC_SUCCESS) {
        keel_log(KEEL_LOG_ERROR, "rot: cannot reach the TPM at TCTI %s: %s", rot->tcti,
                 Tss2_RC_Decode(rc));
        return KEEL_ERR_ROT_UNAVAILABLE;
    }
    rc = Esys_Initialize(&t->esys, t->tcti, NULL);
    if (rc == TSS2_RC_SUCCESS)
        rc = Esys_SetTimeout(t->esys, KEEL_ROT_TPM2_TIMEOUT_MS);
    /* The first command proves the TPM answers; a TPM started by firmware or the kernel
     * says TPM2_RC_INITIALIZE, which is fine. */
    if (rc == TSS2_RC_SUCCESS) {
        rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
        if (rc == TPM2_RC_INITIALIZE)
            rc = TSS2_RC_SUCCESS;
    }
    if (rc != TSS2_RC_SUCCESS) {
        keel_log(KEEL_LOG_ERROR, "rot: the TPM at TCTI %s does not answer: %s", rot->tcti,
                 Tss2_RC_Decode(rc));
        return KEEL_ERR_ROT_UNAVAILABLE;
    }
    return KEEL_OK;
}

static void release(struct keel_rot_tpm2 *t)
{
    if (t->esys != NULL)
        Esys_Finalize(&t->esys);
    if (t->tcti != NULL)
        Tss2_TctiLdr_Finalize(&t->tcti);
}

keel_err keel_rot_tpm2_open(keel_rot *rot)
{
    struct keel_rot_tpm2 *t = calloc(1, sizeof(*t));
    keel_err ret;

    if (t == NULL)
        return KEEL_ERR_NOMEM;
    rot->tpm2 = t;
    ret = connect_tpm(rot, t);
    if (ret == KEEL_OK)
        ret = keel_rot_tpm2_providers_load(rot);
    if (ret != KEEL_OK) {
        release(t);
        free(t);
        rot->tpm2 = NULL;
        return ret;
    }
    rot->ops = &keel_rot_tpm2_ops;
    return KEEL_OK;
}

static void tpm2_close(keel_rot *rot)
{
    if (rot->tpm2 == NULL)
        return;
    keel_rot_tpm2_providers_unload(rot);
    release(rot->tpm2);
    free(rot->tpm2);
    rot->tpm2 = NULL;
}
