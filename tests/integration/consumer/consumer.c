/* A device maker's program built against an installed libkeel, found by pkg-config or by
 * CMake's find_package: it must compile, link and run from the installed tree alone. */
#include <stdio.h>

#include <keel/keel.h>

int main(void)
{
    unsigned char nonce[16];

    if (keel_random(nonce, sizeof(nonce)) != KEEL_OK)
        return 1;
    printf("%zu provisions\n", keel_catalog_count(KEEL_CATALOG_DEFAULT));
    return keel_catalog_count(KEEL_CATALOG_DEFAULT) > 0 ? 0 : 1;
}
