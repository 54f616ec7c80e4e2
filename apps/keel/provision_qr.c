/* The label's QR code: the setup URI (serial, label password, HTTPS certificate digest) as
 * a PNG for the label printer. libqrencode makes the module matrix, libpng writes the
 * image; the PNG is built in memory and written atomically with mode 0600, and every buffer
 * that held the password is wiped. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "provision.h"

struct membuf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

/* Grow by copying, never realloc: realloc could leave a copy of the image (which encodes the
 * password) in freed memory. */
static int membuf_append(struct membuf *mb, const uint8_t *p, size_t n)
{
    if (n > SIZE_MAX / 2 - mb->len)
        return 0;
    if (mb->len + n > mb->cap) {
        size_t cap = (mb->len + n) * 2;
        uint8_t *data = malloc(cap);
        if (data == NULL)
            return 0;
        if (mb->len > 0)
            memcpy(data, mb->data, mb->len);
        keel_wipe(mb->data, mb->cap);
        free(mb->data);
        mb->data = data;
        mb->cap = cap;
    }
    memcpy(mb->data + mb->len, p, n);
    mb->len += n;
    return 1;
}

static void write_cb(png_structp png, png_bytep data, png_size_t len)
{
    if (!membuf_append(png_get_io_ptr(png), data, len))
        png_error(png, "out of memory");
}

static void flush_cb(png_structp png)
{
    (void)png;
}

/* Row y of the image: white quiet zone, black modules, PROVISION_QR_SCALE pixels each. */
static void render_row(const QRcode *qr, size_t y, png_bytep row, size_t side)
{
    long my = (long)(y / PROVISION_QR_SCALE) - PROVISION_QR_QUIET;

    for (size_t x = 0; x < side; x++) {
        long mx = (long)(x / PROVISION_QR_SCALE) - PROVISION_QR_QUIET;
        int black = my >= 0 && my < qr->width && mx >= 0 && mx < qr->width &&
                    (qr->data[my * qr->width + mx] & 1) != 0;
        row[x] = black ? 0x00 : 0xff;
    }
}

/* Every libpng call, under its error handler (libpng reports errors by longjmp). */
static int write_png(png_structp png, png_infop info, const QRcode *qr, png_bytep row, size_t side)
{
    if (setjmp(png_jmpbuf(png)))
        return 0;
    png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t y = 0; y < side; y++) {
        render_row(qr, y, row, side);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    return 1;
}

static keel_err encode(const QRcode *qr, struct membuf *mb)
{
    size_t side = ((size_t)qr->width + (size_t)2 * PROVISION_QR_QUIET) * PROVISION_QR_SCALE;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    png_bytep row = malloc(side);
    keel_err ret = KEEL_ERR_NOMEM;

    if (png == NULL || info == NULL || row == NULL)
        goto out;
    png_set_write_fn(png, mb, write_cb, flush_cb);
    ret = write_png(png, info, qr, row, side) ? KEEL_OK : KEEL_ERR_NOMEM;
out:
    png_destroy_write_struct(&png, &info);
    if (row != NULL)
        keel_wipe(row, side);
    free(row);
    return ret;
}

keel_err provision_qr_png_write(const char *path, const char *text)
{
    struct membuf mb = {NULL, 0, 0};
    QRcode *qr = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (path == NULL || text == NULL || *text == '\0')
        return KEEL_ERR_ARG;
    /* 8-bit mode, case-sensitive: the URI has lower-case hex beside upper-case symbols */
    qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL) {
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    ret = encode(qr, &mb);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, mb.data, mb.len, 0600);
out:
    if (qr != NULL) {
        keel_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
        QRcode_free(qr);
    }
    keel_wipe(mb.data, mb.cap);
    free(mb.data);
    return ret;
}
