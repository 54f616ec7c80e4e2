/*
 * The catalog's TSV reader (private to src/catalog; used by keel-catalog-gen at build time,
 * by the unit tests and by the fuzz target).
 *
 * Two file kinds, both UTF-8, LF line endings, one header line, one record per line, fields
 * separated by one TAB, no quoting, no comments, no empty lines:
 *
 *   data/en303645/v<version>.tsv   id TAB status TAB condition TAB requirement
 *   data/en303645/sections.tsv     version TAB section TAB title
 *
 * Grammar checked on every provision row (derived from Table B.1 of both versions):
 *
 *   id        = section "-" number [ "A".."Z" ]           "5.1-1", "5.3-4A", "6-3B", "4-1"
 *   section   = clause [ "." clause ]                      "4", "5.0", "5.13", "6"
 *   clause    = "0" | "1".."9" *2DIGIT
 *   number    = "1".."9" *2DIGIT
 *   status    = level [ " " gate ]
 *   level     = "M" | "R"
 *   gate      = "C (" conds ")" | "F (" feats ")" | "C F (" conds ", " feats ")"
 *   conds     = cond *( ", " cond )        cond = "1".."9" [ DIGIT ]
 *   feats     = feat *( ", " feat )        feat = 1*2( "a".."z" )
 *
 * The condition field is non-empty exactly when the status has a gate (a provision that
 * applies only under a condition or feature must say which). Requirements are non-empty.
 * IDs are unique and appear in the standard's order (clause, then number, then letter).
 * Fields are valid UTF-8 without control characters and at most KEEL_CATALOG_TSV_FIELD_MAX
 * bytes.
 *
 * The requirement texts are keel's own short paraphrases, not ETSI's wording; the status
 * and condition columns follow Table B.1 of each version.
 *
 * The reader takes a buffer and its length (no NUL terminator needed, NUL bytes refused),
 * never reads outside it, never allocates, and returns spans into the buffer. On malformed
 * input it returns KEEL_ERR_PARSE and fills the error with the 1-based line number and a
 * reason, so that callers can print "<file>:<line>: <reason>".
 */
#ifndef KEEL_CATALOG_TSV_H
#define KEEL_CATALOG_TSV_H

#include <stddef.h>

#include "keel/core.h"

#define KEEL_CATALOG_TSV_FIELD_MAX 512
#define KEEL_CATALOG_TSV_REASON_MAX 160

/* A span of the caller's buffer; not NUL-terminated. */
typedef struct keel_catalog_tsv_text {
    const char *ptr;
    size_t len;
} keel_catalog_tsv_text;

typedef struct keel_catalog_tsv_provision {
    size_t line;
    keel_catalog_tsv_text id;
    keel_catalog_tsv_text section; /* the prefix of id before "-" */
    keel_catalog_tsv_text status;
    keel_catalog_tsv_text condition; /* len 0 when unconditional */
    keel_catalog_tsv_text requirement;
    int mandatory; /* status starts with "M" */
} keel_catalog_tsv_provision;

typedef struct keel_catalog_tsv_section {
    size_t line;
    keel_catalog_tsv_text version; /* three dot-separated decimal numbers: "3.1.3" */
    keel_catalog_tsv_text section;
    keel_catalog_tsv_text title;
} keel_catalog_tsv_section;

typedef struct keel_catalog_tsv_error {
    size_t line; /* 1-based; 0 when the error is not tied to a line */
    char reason[KEEL_CATALOG_TSV_REASON_MAX];
} keel_catalog_tsv_error;

/*
 * Parse a provisions file of len bytes at buf (buf may be NULL only when len is 0) into
 * rows[0..cap). On success *count holds the number of rows. Errors: KEEL_ERR_ARG (NULL
 * rows, count or err), KEEL_ERR_PARSE (malformed: err says where and why), KEEL_ERR_RANGE
 * (more than cap rows: err names the first row that does not fit).
 */
KEEL_MUST_CHECK keel_err keel_catalog_tsv_provisions(const char *buf, size_t len,
                                                     keel_catalog_tsv_provision *rows, size_t cap,
                                                     size_t *count, keel_catalog_tsv_error *err);

/* The same for a sections file; (version, section) pairs are unique. */
KEEL_MUST_CHECK keel_err keel_catalog_tsv_sections(const char *buf, size_t len,
                                                   keel_catalog_tsv_section *rows, size_t cap,
                                                   size_t *count, keel_catalog_tsv_error *err);

/* Every provision's section has a heading for version in sections: else KEEL_ERR_PARSE with
 * the provision's line (in the provisions file). */
KEEL_MUST_CHECK keel_err keel_catalog_tsv_check_headings(
    const char *version, const keel_catalog_tsv_provision *rows, size_t count,
    const keel_catalog_tsv_section *sections, size_t nsections, keel_catalog_tsv_error *err);

/* Every heading of version in sections has at least one provision: else KEEL_ERR_PARSE with
 * the heading's line (in the sections file). */
KEEL_MUST_CHECK keel_err keel_catalog_tsv_check_used(const char *version,
                                                     const keel_catalog_tsv_provision *rows,
                                                     size_t count,
                                                     const keel_catalog_tsv_section *sections,
                                                     size_t nsections, keel_catalog_tsv_error *err);

/* 1 when the span equals the NUL-terminated string s. */
int keel_catalog_tsv_equals(keel_catalog_tsv_text t, const char *s);

#endif /* KEEL_CATALOG_TSV_H */
