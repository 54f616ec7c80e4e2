/* Temporaries left by power cuts. keel_file_write_atomic writes "<path>.tmp-<16 hex>" beside
 * the store and renames it over; a cut before the rename leaves the temporary behind, and
 * after thousands of cuts the flash would fill with them. They hold nothing the store needs
 * (a sealed file that never became the store), so open removes them. */
#include <dirent.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h"

#define TMP_SUFFIX ".tmp-"
#define TMP_HEX 16

static int is_leftover(const char *entry, const char *base)
{
    size_t n = strlen(base);

    if (strncmp(entry, base, n) != 0 || strncmp(entry + n, TMP_SUFFIX, 5) != 0)
        return 0;
    entry += n + 5;
    for (size_t i = 0; i < TMP_HEX; i++) {
        if (!((entry[i] >= '0' && entry[i] <= '9') || (entry[i] >= 'a' && entry[i] <= 'f')))
            return 0;
    }
    return entry[TMP_HEX] == '\0';
}

void keel_store_remove_leftovers(const char *path)
{
    char dir_copy[KEEL_STORE_PATH_MAX];
    char base_copy[KEEL_STORE_PATH_MAX];
    char victim[KEEL_STORE_PATH_MAX];
    const char *dir;
    const char *base;
    struct dirent *e;
    DIR *d;
    int removed = 0;

    if (keel_str_copy(dir_copy, sizeof(dir_copy), path) != KEEL_OK ||
        keel_str_copy(base_copy, sizeof(base_copy), path) != KEEL_OK)
        return;
    dir = dirname(dir_copy);
    base = basename(base_copy);
    d = opendir(dir);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!is_leftover(e->d_name, base) ||
            keel_str_format(victim, sizeof(victim), "%s/%s", dir, e->d_name) != KEEL_OK)
            continue;
        removed += unlink(victim) == 0;
    }
    closedir(d);
    if (removed > 0)
        keel_log(KEEL_LOG_INFO, "store %s: removed %d temporaries left by interrupted writes", path,
                 removed);
}
