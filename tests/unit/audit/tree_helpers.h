/* For the white-box unit tests: firmware trees made in a temporary directory, with files,
 * links and modes, and removed afterwards. */
#ifndef KEEL_TESTS_AUDIT_TREE_HELPERS_H
#define KEEL_TESTS_AUDIT_TREE_HELPERS_H

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

typedef struct tree {
    char root[64];
} tree;

static inline void tree_make(tree *t)
{
    snprintf(t->root, sizeof(t->root), "/tmp/keel-wb-XXXXXX");
    assert_non_null(mkdtemp(t->root));
    assert_int_equal(chmod(t->root, 0755), 0);
}

/* mkdir -p of the directories of rel (and rel itself when dir is 1). */
static inline void tree_dirs(const tree *t, const char *rel, int dir)
{
    char path[512];
    size_t n = strlen(t->root) + 1;

    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    for (char *p = path + n; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        (void)mkdir(path, 0755);
        *p = '/';
    }
    if (dir)
        (void)mkdir(path, 0755);
}

static inline void tree_write(const tree *t, const char *rel, const char *text, mode_t mode)
{
    char path[512];
    FILE *f;

    tree_dirs(t, rel, 0);
    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static inline void tree_link(const tree *t, const char *rel, const char *target)
{
    char path[512];

    tree_dirs(t, rel, 0);
    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    assert_int_equal(symlink(target, path), 0);
}

static inline void tree_chmod(const tree *t, const char *rel, mode_t mode)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    assert_int_equal(chmod(path, mode), 0);
}

static inline int tree_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

static inline void tree_free(tree *t)
{
    assert_int_equal(nftw(t->root, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* The one test case recorded on provision id of a report. */
static inline const keel_audit_test *tree_test(const keel_audit_report *r, const char *id)
{
    const keel_audit_entry *e = keel_audit_report_find(r, id);

    assert_non_null(e);
    assert_int_equal(e->test_count, 1);
    return &e->tests[0];
}

static inline int test_has(const keel_audit_test *t, const char *line)
{
    for (size_t i = 0; i < t->evidence_count; i++) {
        if (strcmp(t->evidence[i], line) == 0)
            return 1;
    }
    return 0;
}

static inline int test_mentions(const keel_audit_test *t, const char *part)
{
    for (size_t i = 0; i < t->evidence_count; i++) {
        if (strstr(t->evidence[i], part) != NULL)
            return 1;
    }
    return 0;
}

#define EXPECT_TEST_LINE(t, line)                                                                  \
    do {                                                                                           \
        if (!test_has(t, line))                                                                    \
            fail_msg("no evidence line '%s'", line);                                               \
    } while (0)

#endif /* KEEL_TESTS_AUDIT_TREE_HELPERS_H */
