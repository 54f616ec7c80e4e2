/* The device serial as the TLS identity sees it: the certificate's CN and the first label
 * of its host name, so it must be a valid DNS label. */
#include <ctype.h>
#include <string.h>

#include "keel/tls.h"

#define SERIAL_MIN 4u
#define SERIAL_MAX 32u

keel_err keel_tls_serial_check(const char *serial)
{
    size_t n;

    if (serial == NULL)
        return KEEL_ERR_ARG;
    n = strnlen(serial, SERIAL_MAX + 1);
    if (n < SERIAL_MIN || n > SERIAL_MAX || serial[0] == '-' || serial[n - 1] == '-')
        return KEEL_ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        char c = serial[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

keel_err keel_tls_device_hostname(const char *serial, char *out, size_t outsz)
{
    char lower[SERIAL_MAX + 1];
    keel_err ret;
    size_t n;

    if (out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    ret = keel_tls_serial_check(serial);
    if (ret != KEEL_OK)
        return ret;
    n = strlen(serial);
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)serial[i]);
    lower[n] = '\0';
    return keel_str_format(out, outsz, "%s.local", lower);
}
