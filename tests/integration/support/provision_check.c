/*
 * keel_test_provision: checks of a device made by `keel provision` that need libkeel, for
 * the provision scripts (tests/integration/provision*.sh, keeld_provision.sh).
 *
 *   store SPEC DATA PASSWORD  the secure store DATA/store.kst opens under the root of trust
 *                             SPEC at DATA/rot, holds auth.label_hash, and that hash
 *                             verifies PASSWORD (as typed: canonicalised first) and refuses
 *                             another label password
 *   identity SPEC DATA        the root of trust's identity key signs, the public key of
 *                             DATA/identity-cert.pem verifies, and the two keys are equal
 *   qr PNG TEXT               PNG is TEXT's QR code as keel draws it: read back with libpng,
 *                             square, a white quiet zone of 4 modules, the three finder
 *                             patterns black, every module equal to QRcode_encodeString's
 *
 * Exit status 0 when the check holds, 1 when it does not (the reason on stderr), 2 for
 * bad usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <png.h>
#include <qrencode.h>

#include "keel/auth.h"
#include "keel/rot.h"
#include "keel/store.h"

#define PATH_MAX_LEN 4096
#define QUIET 4

KEEL_PRINTF(1, 2) static int fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "keel_test_provision: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    return 1;
}

static int path_in(char *out, const char *dir, const char *name)
{
    return keel_str_format(out, PATH_MAX_LEN, "%s/%s", dir, name) == KEEL_OK;
}

/* ---- store ---- */

static int verify(const char *hash, const char *typed, keel_err want)
{
    keel_secret pw;
    keel_err ret;

    if (keel_secret_set(&pw, typed, strlen(typed)) != KEEL_OK)
        return 0;
    ret = keel_auth_label_canonical(&pw, &pw);
    if (ret == KEEL_OK)
        ret = keel_auth_verify_password(hash, &pw);
    keel_secret_clear(&pw);
    return ret == want;
}

static int check_store(const char *spec, const char *data, const char *password)
{
    char rot_dir[PATH_MAX_LEN], path[PATH_MAX_LEN], hash[KEEL_AUTH_HASH_MAX];
    char other[KEEL_AUTH_LABEL_LEN + 1];
    keel_secret pw;
    keel_rot *rot = NULL;
    keel_store *store = NULL;
    size_t len = 0;
    int rc = 1;

    if (!path_in(rot_dir, data, "rot") || !path_in(path, data, "store.kst"))
        return fail("path too long: %s", data);
    if (keel_rot_open(spec, rot_dir, &rot) != KEEL_OK ||
        keel_store_open(path, rot, &store) != KEEL_OK) {
        rc = fail("the store %s does not open", path);
        goto out;
    }
    if (keel_store_get(store, "auth.label_hash", hash, sizeof(hash) - 1, &len) != KEEL_OK) {
        rc = fail("no auth.label_hash in %s", path);
        goto out;
    }
    hash[len] = '\0';
    if (!verify(hash, password, KEEL_OK)) {
        rc = fail("auth.label_hash does not verify the label password of %s", data);
        goto out;
    }
    if (keel_auth_label_password(&pw) != KEEL_OK)
        goto out;
    memcpy(other, keel_secret_bytes(&pw), KEEL_AUTH_LABEL_LEN);
    other[KEEL_AUTH_LABEL_LEN] = '\0';
    keel_secret_clear(&pw);
    if (!verify(hash, other, KEEL_ERR_AUTH_DENIED)) {
        rc = fail("auth.label_hash of %s accepts another password", data);
        goto out;
    }
    printf("store ok: %s holds auth.label_hash (%.10s...) verifying the label password\n", path,
           hash);
    rc = 0;
out:
    keel_store_close(store);
    keel_rot_close(rot);
    return rc;
}

/* ---- identity ---- */

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *cert = NULL;

    if (f != NULL) {
        cert = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    return cert;
}

static int sign_and_verify(keel_rot *rot, EVP_PKEY *key, EVP_PKEY *pub)
{
    static const unsigned char msg[] = "keel provision identity check";
    unsigned char sig[256];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL &&
             EVP_DigestSignInit_ex(md, NULL, "SHA256", keel_rot_libctx(rot), keel_rot_propq(rot),
                                   key, NULL) == 1 &&
             EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) == 1;

    EVP_MD_CTX_free(md);
    md = ok ? EVP_MD_CTX_new() : NULL;
    ok = md != NULL && EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL) == 1 &&
         EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static int check_identity(const char *spec, const char *data)
{
    char rot_dir[PATH_MAX_LEN], path[PATH_MAX_LEN];
    keel_rot *rot = NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    int rc = 1;

    if (!path_in(rot_dir, data, "rot") || !path_in(path, data, "identity-cert.pem"))
        return fail("path too long: %s", data);
    cert = read_cert(path);
    if (cert == NULL)
        return fail("cannot read %s", path);
    if (keel_rot_open(spec, rot_dir, &rot) != KEEL_OK ||
        keel_rot_identity_key(rot, &key) != KEEL_OK) {
        rc = fail("no identity key in the root of trust of %s", data);
        goto out;
    }
    if (!sign_and_verify(rot, key, X509_get0_pubkey(cert))) {
        rc = fail("%s does not verify a signature of the identity key", path);
        goto out;
    }
    if (EVP_PKEY_eq(key, X509_get0_pubkey(cert)) != 1) {
        rc = fail("%s names another key than the root of trust's", path);
        goto out;
    }
    printf("identity ok: the root of trust's key signs and %s verifies\n", path);
    rc = 0;
out:
    EVP_PKEY_free(key);
    keel_rot_close(rot);
    X509_free(cert);
    return rc;
}

/* ---- qr ---- */

static int module_at(const png_image *img, const png_byte *px, int scale, int mx, int my)
{
    int black = -1;

    for (int y = 0; y < scale; y++) {
        for (int x = 0; x < scale; x++) {
            size_t at = (size_t)((my + QUIET) * scale + y) * img->width +
                        (size_t)((mx + QUIET) * scale + x);
            int b = px[at] == 0 ? 1 : px[at] == 255 ? 0 : -2;
            if (b == -2 || (black != -1 && b != black))
                return -1; /* not a clean, uniform module */
            black = b;
        }
    }
    return black;
}

static int quiet_zone_white(const png_image *img, const png_byte *px, int scale, int width)
{
    int side = width + 2 * QUIET;

    for (int my = -QUIET; my < side - QUIET; my++) {
        for (int mx = -QUIET; mx < side - QUIET; mx++) {
            int inside = mx >= 0 && mx < width && my >= 0 && my < width;
            if (!inside && module_at(img, px, scale, mx, my) != 0)
                return 0;
        }
    }
    return 1;
}

/* A finder pattern with its top-left module at (x0, y0): a black 7x7 ring, a white 5x5
 * ring, a black 3x3 centre (ISO/IEC 18004). */
static int finder_at(const png_image *img, const png_byte *px, int scale, int x0, int y0)
{
    for (int y = 0; y < 7; y++) {
        for (int x = 0; x < 7; x++) {
            int ring = abs(x - 3) > abs(y - 3) ? abs(x - 3) : abs(y - 3);
            if (module_at(img, px, scale, x0 + x, y0 + y) != (ring != 2))
                return 0;
        }
    }
    return 1;
}

static int check_modules(const png_image *img, const png_byte *px, int scale, const QRcode *qr)
{
    for (int y = 0; y < qr->width; y++) {
        for (int x = 0; x < qr->width; x++) {
            if (module_at(img, px, scale, x, y) != (qr->data[y * qr->width + x] & 1))
                return 0;
        }
    }
    return 1;
}

static int check_qr_image(const png_image *img, const png_byte *px, const QRcode *qr)
{
    int w = qr->width;
    int side = w + 2 * QUIET;
    int scale = (int)img->width / side;

    if (img->width != img->height || scale < 2 || (int)img->width != scale * side)
        return fail("%s", "not a square image of whole modules with a 4-module quiet zone");
    if (!quiet_zone_white(img, px, scale, w))
        return fail("%s", "the quiet zone is not white");
    if (!finder_at(img, px, scale, 0, 0) || !finder_at(img, px, scale, w - 7, 0) ||
        !finder_at(img, px, scale, 0, w - 7))
        return fail("%s", "the three finder patterns are not where they belong");
    if (!check_modules(img, px, scale, qr))
        return fail("%s", "the modules differ from QRcode_encodeString's");
    printf("qr ok: %ux%u pixels, version %d, %d modules of %d pixels, quiet zone %d\n", img->width,
           img->height, qr->version, w, scale, QUIET);
    return 0;
}

static int check_qr(const char *png_path, const char *text)
{
    png_image img;
    png_byte *px = NULL;
    QRcode *qr = NULL;
    int rc = 1;

    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (png_image_begin_read_from_file(&img, png_path) == 0)
        return fail("cannot read the PNG %s", png_path);
    img.format = PNG_FORMAT_GRAY;
    px = malloc(PNG_IMAGE_SIZE(img));
    if (px == NULL || png_image_finish_read(&img, NULL, px, 0, NULL) == 0) {
        rc = fail("cannot decode the PNG %s", png_path);
        goto out;
    }
    qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL) {
        rc = fail("%s", "QRcode_encodeString failed");
        goto out;
    }
    rc = check_qr_image(&img, px, qr);
out:
    png_image_free(&img);
    QRcode_free(qr);
    free(px);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "store") == 0)
        return check_store(argv[2], argv[3], argv[4]);
    if (argc == 4 && strcmp(argv[1], "identity") == 0)
        return check_identity(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "qr") == 0)
        return check_qr(argv[2], argv[3]);
    fprintf(stderr, "usage: keel_test_provision store SPEC DATA PASSWORD | identity SPEC DATA |"
                    " qr PNG TEXT\n");
    return 2;
}
