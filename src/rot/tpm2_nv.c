/* Monotonic counters (anti-rollback for the store and for updates, 5.3): TPM NV indices of
 * type counter. The TPM itself refuses to lower them, and a new one starts at the highest
 * value any counter of this TPM ever had, so deleting and re-creating one cannot roll it
 * back either. The index has an empty authValue: anyone may read or raise it, which harms
 * nothing, as raising is the only change possible. */
#include <string.h>

#include "tpm2_private.h"

#define COUNTER_ATTRS                                                                              \
    ((TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE |           \
     TPMA_NV_OWNERREAD | TPMA_NV_OWNERWRITE | TPMA_NV_NO_DA)

static keel_err define_counter(ESYS_CONTEXT *esys, TPM2_HANDLE index, ESYS_TR *nv)
{
    const TPM2B_AUTH no_auth = {0};
    const TPM2B_NV_PUBLIC info = {
        .nvPublic = {.nvIndex = index,
                     .nameAlg = TPM2_ALG_SHA256,
                     .attributes = COUNTER_ATTRS,
                     .dataSize = 8},
    };
    TSS2_RC rc = Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &no_auth, &info, nv);

    return keel_rot_tpm2_err(rc, "NV_DefineSpace (counter)", KEEL_ERR_CRYPTO);
}

/* An index at our handle that is not a counter could be written down at will: refuse it. */
static keel_err check_counter(ESYS_CONTEXT *esys, ESYS_TR nv, TPM2_HANDLE index)
{
    TPM2B_NV_PUBLIC *pub = NULL;
    TSS2_RC rc = Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
    keel_err ret = keel_rot_tpm2_err(rc, "NV_ReadPublic (counter)", KEEL_ERR_CRYPTO);

    if (ret == KEEL_OK &&
        ((pub->nvPublic.attributes & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT !=
             TPM2_NT_COUNTER ||
         pub->nvPublic.dataSize != 8)) {
        keel_log(KEEL_LOG_ERROR, "rot: TPM NV index 0x%08x is not a keel counter; refused",
                 (unsigned)index);
        ret = KEEL_ERR_ROT_SEALED;
    }
    Esys_Free(pub);
    return ret;
}

/* Whether the TPM has an NV index at index. Asked of the capability list, not by reading
 * the index, so that a counter's first use makes no error for tpm2-tss to log. */
static keel_err nv_defined(ESYS_CONTEXT *esys, TPM2_HANDLE index, int *defined)
{
    TPMS_CAPABILITY_DATA *caps = NULL;
    TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    TPM2_CAP_HANDLES, index, 1, NULL, &caps);
    keel_err ret = keel_rot_tpm2_err(rc, "GetCapability (NV indices)", KEEL_ERR_CRYPTO);

    if (ret == KEEL_OK)
        *defined = caps->data.handles.count > 0 && caps->data.handles.handle[0] == index;
    Esys_Free(caps);
    return ret;
}

/* The ESYS handle of counter id, defining the index on first use. *fresh says it was. */
static keel_err open_counter(keel_rot *rot, uint32_t id, ESYS_TR *nv, int *fresh)
{
    ESYS_CONTEXT *esys = rot->tpm2->esys;
    TPM2_HANDLE index = KEEL_ROT_TPM2_NV_BASE + id;
    int defined = 0;
    keel_err ret = nv_defined(esys, index, &defined);
    TSS2_RC rc;

    *fresh = 0;
    if (ret != KEEL_OK)
        return ret;
    if (!defined) {
        *fresh = 1;
        return define_counter(esys, index, nv);
    }
    rc = Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nv);
    ret = keel_rot_tpm2_err(rc, "reading counter's NV public area", KEEL_ERR_CRYPTO);
    if (ret == KEEL_OK)
        ret = check_counter(esys, *nv, index);
    if (ret != KEEL_OK && *nv != ESYS_TR_NONE) {
        Esys_TR_Close(esys, nv);
        *nv = ESYS_TR_NONE;
    }
    return ret;
}

static keel_err increment(ESYS_CONTEXT *esys, ESYS_TR nv)
{
    TSS2_RC rc = Esys_NV_Increment(esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);

    return keel_rot_tpm2_err(rc, "NV_Increment (counter)", KEEL_ERR_CRYPTO);
}

/* The counter's value; a counter defined but never incremented (a power cut between the two
 * at first use) is initialised here. */
static keel_err read_value(ESYS_CONTEXT *esys, ESYS_TR nv, uint64_t *value)
{
    TPM2B_MAX_NV_BUFFER *data = NULL;
    TSS2_RC rc =
        Esys_NV_Read(esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &data);
    keel_err ret;

    if (rc == TPM2_RC_NV_UNINITIALIZED) {
        ret = increment(esys, nv);
        if (ret != KEEL_OK)
            return ret;
        rc = Esys_NV_Read(esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &data);
    }
    ret = keel_rot_tpm2_err(rc, "NV_Read (counter)", KEEL_ERR_CRYPTO);
    if (ret == KEEL_OK && data->size != 8)
        ret = KEEL_ERR_ROT_SEALED;
    if (ret == KEEL_OK) {
        *value = 0;
        for (int i = 0; i < 8; i++)
            *value = (*value << 8) | data->buffer[i];
    }
    Esys_Free(data);
    return ret;
}

static keel_err counter_op(keel_rot *rot, uint32_t id, int raise, uint64_t *value)
{
    ESYS_CONTEXT *esys = rot->tpm2->esys;
    ESYS_TR nv = ESYS_TR_NONE;
    int fresh = 0;
    keel_err ret = open_counter(rot, id, &nv, &fresh);

    /* A fresh counter must be incremented once before it can be read. */
    if (ret == KEEL_OK && (raise || fresh))
        ret = increment(esys, nv);
    if (ret == KEEL_OK)
        ret = read_value(esys, nv, value);
    if (nv != ESYS_TR_NONE)
        Esys_TR_Close(esys, &nv);
    return ret;
}

keel_err keel_rot_tpm2_counter_read(keel_rot *rot, uint32_t id, uint64_t *value)
{
    return counter_op(rot, id, 0, value);
}

keel_err keel_rot_tpm2_counter_increment(keel_rot *rot, uint32_t id, uint64_t *value)
{
    return counter_op(rot, id, 1, value);
}
