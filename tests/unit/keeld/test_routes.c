/* keeld's local API against real parts: a secure store on the file root of trust, the lock
 * in SQLite (lock.db), the setup page's files read from disk. The route table (methods,
 * sessions, the factory state of 5.12-1), the uniform errors, the static files and
 * security.txt (5.2-1), /api/v1/device and /api/v1/security (5.3-13, 5.3-16, 5.12-3), setup,
 * and the lock's routes; every refused request leaves the lock, its PINs, its log and the
 * store as they were (5.13-1A). */
#define _GNU_SOURCE /* strptime */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "keeld.h"
#include "store_env.h"

#define OWNER_PW "a long owner passphrase 7"

struct fixture {
    store_env env;
    keel_store *store;
    struct keeld_lock *lock;
    struct keeld_web *web;
    char webdir[160];
    struct keeld_state st;
    char token[KEEL_AUTH_TOKEN_SIZE];
    char auth[KEEL_AUTH_TOKEN_SIZE + 16];
    struct keeld_response rs;
};

static const char index_html[] = "<!doctype html><title>keel</title><script src=\"/setup.js\">"
                                 "</script>";
static const char setup_css[] = "body { margin: 0 }\n";
static const char setup_js[] = "'use strict';\n";

static int write_text(const char *dir, const char *name, const void *data, size_t len)
{
    char path[256];

    if (keel_str_format(path, sizeof(path), "%s/%s", dir, name) != KEEL_OK)
        return -1;
    return store_env_write(path, (const unsigned char *)data, len);
}

static int web_files(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    return write_text(dir, "index.html", index_html, strlen(index_html)) != 0 ||
                   write_text(dir, "setup.css", setup_css, strlen(setup_css)) != 0 ||
                   write_text(dir, "setup.js", setup_js, strlen(setup_js)) != 0
               ? -1
               : 0;
}

/* A provisioned device: the label password's hash in the store, identity as keel provision
 * writes it. */
static int provision(struct fixture *f)
{
    char hash[KEEL_AUTH_HASH_MAX];
    keel_secret label;
    int ok;

    keel_secret_clear(&label);
    ok = keel_secret_set(&label, "ABCD-EFGH-JKMN-PQRS", 19) == KEEL_OK &&
         keel_auth_hash_password(&label, hash, sizeof(hash)) == KEEL_OK &&
         keel_store_put(f->store, KEELD_REC_LABEL_HASH, hash, strlen(hash)) == KEEL_OK;
    keel_secret_clear(&label);
    return ok ? 0 : -1;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct keeld_identity id = {.serial = "KL0123456789AB",
                                .model = "keel-lock-1",
                                .created = "2025-01-02T03:04:05Z",
                                .rot = "file"};
    char err[KEELD_ERROR_MAX];

    if (f == NULL || store_env_setup(&f->env, "file") != 0 ||
        keel_store_create(f->env.path, f->env.rot) != KEEL_OK ||
        keel_store_open(f->env.path, f->env.rot, &f->store) != KEEL_OK || provision(f) != 0)
        return -1;
    if (keeld_state_init(&f->st, &id, f->store, err, sizeof(err)) != KEEL_OK ||
        keeld_lock_open(f->env.dir, f->store, &f->lock, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    (void)keel_str_format(f->webdir, sizeof(f->webdir), "%s/web", f->env.dir);
    if (web_files(f->webdir) != 0 ||
        keeld_web_load(f->webdir, (int64_t)time(NULL), &f->web, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    f->st.lock = f->lock;
    f->st.web = f->web;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    keeld_web_free(f->web);
    keeld_lock_close(f->lock);
    keeld_state_wipe(&f->st);
    keel_store_close(f->store);
    store_env_teardown(&f->env);
    free(f);
    return 0;
}

/* A session as a login makes one (the login itself is keeld_https.sh's). */
static void session(struct fixture *f)
{
    assert_int_equal(keel_auth_session_create(&f->st.sessions, keel_auth_now_ms(), f->token),
                     KEEL_OK);
    (void)keel_str_format(f->auth, sizeof(f->auth), "Bearer %s", f->token);
}

/* The owner sets their password (what POST /api/v1/password does once verified). */
static void initialise(struct fixture *f)
{
    keel_secret pw;

    keel_secret_clear(&pw);
    assert_int_equal(keel_secret_set(&pw, OWNER_PW, strlen(OWNER_PW)), KEEL_OK);
    assert_int_equal(keeld_credential_set(&f->st, &pw), KEEL_OK);
    keel_secret_clear(&pw);
    assert_true(keeld_initialised(&f->st));
}

static int ask(struct fixture *f, keeld_method m, const char *path, const char *body, int authed)
{
    struct keeld_request rq = {
        .method = m,
        .path = path,
        .client = "192.0.2.7",
        .authorization = authed ? f->auth : NULL,
        .body = (const uint8_t *)body,
        .body_len = body != NULL ? strlen(body) : 0,
    };

    keeld_dispatch(&f->st, &rq, &f->rs);
    if (f->rs.ext_body == NULL)
        f->rs.body[f->rs.body_len < sizeof(f->rs.body) ? f->rs.body_len : 0] = '\0';
    return f->rs.status;
}

static void expect(struct fixture *f, keeld_method m, const char *path, const char *body,
                   int authed, int status, const char *answer)
{
    int got = ask(f, m, path, body, authed);

    if (got != status || (answer != NULL && strcmp(f->rs.body, answer) != 0))
        fail_msg("%s %s %s: got %d %s, expected %d %s", keeld_method_name(m), path,
                 body != NULL ? body : "", got, f->rs.body, status, answer ? answer : "");
}

static cJSON *answer_json(struct fixture *f)
{
    cJSON *j = cJSON_ParseWithLength(f->rs.body, f->rs.body_len);

    assert_non_null(j);
    return j;
}

static const cJSON *check_of(const cJSON *j, const char *id)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "checks"))
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring, id) == 0)
            return c;
    }
    fail_msg("no check %s", id);
    return NULL;
}

static int check_ok(const cJSON *j, const char *id)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check_of(j, id), "ok"));
}

/* An information check: always "ok", its "on" says the state. */
static int check_on(const cJSON *j, const char *id)
{
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(check_of(j, id), "on");

    assert_true(check_ok(j, id));
    assert_true(cJSON_IsBool(on));
    return cJSON_IsTrue(on);
}

static int locked_now(struct fixture *f)
{
    struct keeld_lock_state s;

    assert_int_equal(keeld_lock_get(f->lock, &s), KEEL_OK);
    return s.locked;
}

/* ---- the table ---- */

static int in_list(const char *path, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(*list, path) == 0)
            return 1;
    }
    return 0;
}

static void test_table(void **state)
{
    static const char *const factory[] = {
        "/api/v1/login",    "/api/v1/logout", "/api/v1/password", "/api/v1/device",
        "/api/v1/security", "/api/v1/setup",  "/api/v1/privacy",  NULL};
    static const char *const public[] = {"/api/v1/login", "/api/v1/device", "/api/v1/privacy",
                                         NULL};
    size_t gets = 0, posts = 0;

    (void)state;
    assert_true(keeld_route_count() >= 15);
    for (size_t i = 0; i < keeld_route_count(); i++) {
        const struct keeld_route *r = keeld_route_at(i);
        assert_ptr_equal(keeld_route_find(r->path, r->method), r); /* one entry per pair */
        assert_int_equal(r->factory, in_list(r->path, factory));
        assert_int_equal(!r->needs_session, in_list(r->path, public));
        assert_true(!r->security_relevant || r->needs_session); /* 5.5-5 */
        assert_true(r->max_body <= KEELD_BODY_MAX);
        assert_true(r->method == KEELD_POST || r->max_body == 0);
        gets += r->method == KEELD_GET;
        posts += r->method == KEELD_POST;
    }
    assert_null(keeld_route_at(keeld_route_count()));
    /* one path, two methods */
    assert_non_null(keeld_route_find("/api/v1/lock", KEELD_GET));
    assert_non_null(keeld_route_find("/api/v1/lock", KEELD_POST));
    assert_ptr_not_equal(keeld_route_find("/api/v1/lock", KEELD_GET),
                         keeld_route_find("/api/v1/lock", KEELD_POST));
    assert_null(keeld_route_find("/api/v1/lock", KEELD_OTHER));
    assert_null(keeld_route_find("/api/v1/lock/", KEELD_GET));
    assert_null(keeld_route_find(NULL, KEELD_GET));
    assert_true(keeld_route_find("/api/v1/setup", KEELD_POST)->security_relevant);
    assert_true(keeld_route_find("/api/v1/pins", KEELD_POST)->security_relevant);
    assert_true(gets > 0 && posts > 0);
}

static void test_errors_uniform(void **state)
{
    static const int codes[] = {400, 401, 403, 404, 405, 409, 413, 429, 503, 500, 418};
    struct fixture *f = *state;

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        cJSON *j, *e;
        memset(&f->rs, 0, sizeof(f->rs));
        keeld_response_error(&f->rs, codes[i]);
        assert_int_equal(f->rs.status, codes[i] == 418 ? 500 : codes[i]);
        assert_int_equal(f->rs.body_len, strlen(f->rs.body));
        j = answer_json(f);
        e = cJSON_GetObjectItemCaseSensitive(j, "error");
        assert_int_equal(cJSON_GetArraySize(j), 1); /* no detail beside the error */
        assert_true(cJSON_IsString(e));
        cJSON_Delete(j);
    }
    keeld_response_error(&f->rs, 403);
    assert_string_equal(f->rs.body, "{\"error\":\"setup required\"}");
    keeld_response_error(&f->rs, 409);
    assert_string_equal(f->rs.body, "{\"error\":\"conflict\"}");
}

/* ---- the factory state (5.12-1) ---- */

static void test_factory_state(void **state)
{
    static const char setup_required[] = "{\"error\":\"setup required\"}";
    static const char unauthorized[] = "{\"error\":\"unauthorized\"}";
    struct fixture *f = *state;
    cJSON *j;

    /* without a session: 401 first, whatever the state */
    expect(f, KEELD_GET, "/api/v1/status", NULL, 0, 401, unauthorized);
    expect(f, KEELD_POST, "/api/v1/lock", "{\"action\":\"unlock\"}", 0, 401, unauthorized);
    expect(f, KEELD_GET, "/api/v1/security", NULL, 0, 401, unauthorized);
    expect(f, KEELD_POST, "/api/v1/setup", "{}", 0, 401, unauthorized);
    /* the public parts answer */
    expect(f, KEELD_GET, "/api/v1/device", NULL, 0, 200, NULL);
    expect(f, KEELD_GET, "/", NULL, 0, 200, NULL);
    /* with the label password's session only what setting up needs */
    session(f);
    expect(f, KEELD_GET, "/api/v1/status", NULL, 1, 403, setup_required);
    expect(f, KEELD_GET, "/api/v1/lock", NULL, 1, 403, setup_required);
    expect(f, KEELD_POST, "/api/v1/lock", "{\"action\":\"unlock\"}", 1, 403, setup_required);
    expect(f, KEELD_GET, "/api/v1/pins", NULL, 1, 403, setup_required);
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"A\",\"pin\":\"135792\"}", 1, 403,
           setup_required);
    expect(f, KEELD_POST, "/api/v1/pins/remove", "{\"id\":1}", 1, 403, setup_required);
    expect(f, KEELD_GET, "/api/v1/log", NULL, 1, 403, setup_required);
    expect(f, KEELD_GET, "/api/v1/update", NULL, 1, 403, setup_required);
    expect(f, KEELD_POST, "/api/v1/update/install", NULL, 1, 403, setup_required);
    /* 403 comes before 413: a refused state says nothing about the body */
    expect(f, KEELD_POST, "/api/v1/lock",
           "{\"action\":\"unlock\"                                                     }", 1, 403,
           setup_required);
    /* the setup itself waits for the owner's password */
    expect(f, KEELD_POST, "/api/v1/setup", "{\"auto_install\":true,\"data_processing\":true}", 1,
           403, setup_required);
    expect(f, KEELD_GET, "/api/v1/security", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")));
    assert_false(check_ok(j, "owner_password"));
    cJSON_Delete(j);
    /* nothing moved, nothing stored */
    assert_int_equal(locked_now(f), 1);
    {
        char v[4];
        size_t len = 0;
        assert_int_equal(keel_store_get(f->store, KEELD_REC_PROCESSING, v, sizeof(v), &len),
                         KEEL_ERR_NOT_FOUND);
    }
    expect(f, KEELD_POST, "/api/v1/logout", NULL, 1, 204, NULL);
}

/* ---- methods, paths, sizes ---- */

static void test_methods_and_paths(void **state)
{
    struct fixture *f = *state;

    initialise(f);
    session(f);
    expect(f, KEELD_OTHER, "/api/v1/lock", NULL, 1, 405, "{\"error\":\"method not allowed\"}");
    assert_string_equal(f->rs.allow, "GET, POST");
    expect(f, KEELD_GET, "/api/v1/login", NULL, 0, 405, NULL);
    assert_string_equal(f->rs.allow, "POST");
    expect(f, KEELD_POST, "/api/v1/log", "{}", 1, 405, NULL);
    assert_string_equal(f->rs.allow, "GET");
    expect(f, KEELD_POST, "/", "x", 0, 405, NULL);
    assert_string_equal(f->rs.allow, "GET");
    expect(f, KEELD_POST, "/.well-known/security.txt", NULL, 0, 405, NULL);
    expect(f, KEELD_GET, "/index.html", NULL, 0, 404, "{\"error\":\"not found\"}");
    /* without the page loaded its paths are simply not found */
    f->st.web = NULL;
    expect(f, KEELD_GET, "/", NULL, 0, 404, "{\"error\":\"not found\"}");
    expect(f, KEELD_POST, "/", NULL, 0, 405, NULL);
    f->st.web = f->web;
    expect(f, KEELD_GET, "/setup.js/", NULL, 0, 404, NULL);
    expect(f, KEELD_GET, "/../web/setup.js", NULL, 0, 404, NULL);
    expect(f, KEELD_GET, "/api/v1/pins/", NULL, 1, 404, NULL);
    expect(f, KEELD_GET, "/API/V1/LOCK", NULL, 1, 404, NULL);
    {
        struct keeld_request rq = {.method = KEELD_GET, .path = NULL};
        keeld_dispatch(&f->st, &rq, &f->rs);
        assert_int_equal(f->rs.status, 404); /* a path too long to hold */
    }
    /* 413: the declared maximum, checked before any handler */
    {
        struct keeld_request rq = {.method = KEELD_POST,
                                   .path = "/api/v1/lock",
                                   .client = "192.0.2.7",
                                   .authorization = f->auth,
                                   .body = (const uint8_t *)"",
                                   .body_too_large = 1};
        keeld_dispatch(&f->st, &rq, &f->rs);
        assert_int_equal(f->rs.status, 413);
    }
    expect(f, KEELD_POST, "/api/v1/logout", "{}", 1, 413, "{\"error\":\"payload too large\"}");
    assert_int_equal(locked_now(f), 1);
}

/* ---- the static files and security.txt (5.2-1) ---- */

static int64_t rfc3339_seconds(const char *text)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    assert_non_null(end);
    assert_true(*end == '\n');
    return (int64_t)timegm(&tm);
}

static void test_static_files(void **state)
{
    struct fixture *f = *state;
    char txt[1024];
    const char *expires, *p;
    int64_t now = (int64_t)time(NULL), e;

    expect(f, KEELD_GET, "/", NULL, 0, 200, NULL);
    assert_int_equal(f->rs.ext_len, strlen(index_html));
    assert_memory_equal(f->rs.ext_body, index_html, f->rs.ext_len);
    assert_string_equal(f->rs.content_type, "text/html; charset=utf-8");
    expect(f, KEELD_GET, "/setup.css", NULL, 0, 200, NULL);
    assert_memory_equal(f->rs.ext_body, setup_css, f->rs.ext_len);
    assert_string_equal(f->rs.content_type, "text/css");
    expect(f, KEELD_GET, "/setup.js", NULL, 0, 200, NULL);
    assert_memory_equal(f->rs.ext_body, setup_js, f->rs.ext_len);
    assert_string_equal(f->rs.content_type, "text/javascript");
    expect(f, KEELD_GET, "/.well-known/security.txt", NULL, 0, 200, NULL);
    assert_string_equal(f->rs.content_type, "text/plain; charset=utf-8");
    assert_true(f->rs.ext_len < sizeof(txt));
    memcpy(txt, f->rs.ext_body, f->rs.ext_len);
    txt[f->rs.ext_len] = '\0';
    assert_non_null(strstr(txt, "\nContact: " KEEL_SECURITY_CONTACT "\n"));
    assert_non_null(strstr(txt, "\nPolicy: " KEEL_SECURITY_POLICY "\n"));
    assert_non_null(strstr(txt, "\nPreferred-Languages: en\n"));
    assert_null(strstr(txt, "Canonical:"));
    expires = strstr(txt, "\nExpires: ");
    assert_non_null(expires);
    e = rfc3339_seconds(expires + strlen("\nExpires: "));
    assert_true(e > now && e <= now + 365 * 86400 + 5);
    /* every line is a field or a comment, each field once (RFC 9116 2.5) */
    for (p = txt; *p != '\0'; p = strchr(p, '\n') + 1)
        assert_true(*p == '#' || strchr("CEP", *p) != NULL);
    /* static files are found only for GET and never by a route */
    assert_int_equal(keeld_web_path_count(), 4);
    assert_string_equal(keeld_web_path_at(0), "/");
    assert_null(keeld_web_path_at(4));
    memset(&f->rs, 0, sizeof(f->rs));
    assert_int_equal(keeld_web_find(NULL, "/", &f->rs), 0);
    assert_int_equal(keeld_web_find(f->web, "/api/v1/device", &f->rs), 0);
}

/* The support period ends before a year is out: Expires is its end. */
static void test_security_txt_expires_with_support(void **state)
{
    struct fixture *f = *state;
    struct keeld_web *w = NULL;
    struct keeld_response rs;
    char err[KEELD_ERROR_MAX], txt[1024];
    struct tm tm;
    int64_t end, e;

    memset(&tm, 0, sizeof(tm));
    assert_non_null(strptime(KEEL_SUPPORT_UNTIL "T23:59:59Z", "%Y-%m-%dT%H:%M:%SZ", &tm));
    end = (int64_t)timegm(&tm);
    /* made as if a month before the end */
    assert_int_equal(keeld_web_load(f->webdir, end - 30 * 86400, &w, err, sizeof(err)), KEEL_OK);
    memset(&rs, 0, sizeof(rs));
    assert_int_equal(keeld_web_find(w, "/.well-known/security.txt", &rs), 1);
    memcpy(txt, rs.ext_body, rs.ext_len);
    txt[rs.ext_len] = '\0';
    e = rfc3339_seconds(strstr(txt, "\nExpires: ") + strlen("\nExpires: "));
    assert_true(e == end);
    keeld_web_free(w);
}

static void expect_load_refused(const char *dir, const char *said)
{
    struct keeld_web *w = (struct keeld_web *)&w;
    char err[KEELD_ERROR_MAX];

    assert_int_not_equal(keeld_web_load(dir, (int64_t)time(NULL), &w, err, sizeof(err)), KEEL_OK);
    assert_null(w);
    if (strstr(err, said) == NULL)
        fail_msg("'%s' does not say '%s'", err, said);
}

static void test_web_load_refuses(void **state)
{
    struct fixture *f = *state;
    char dir[200], path[260];
    char *big;

    (void)keel_str_format(dir, sizeof(dir), "%s/web2", f->env.dir);
    expect_load_refused(dir, "setup page directory");
    assert_int_equal(web_files(dir), 0);
    /* missing */
    (void)keel_str_format(path, sizeof(path), "%s/setup.css", dir);
    assert_int_equal(unlink(path), 0);
    expect_load_refused(dir, "setup.css");
    /* a symbolic link, even to a good file */
    assert_int_equal(symlink("index.html", path), 0);
    expect_load_refused(dir, "setup.css: is a symbolic link");
    assert_int_equal(unlink(path), 0);
    /* a directory, a FIFO */
    assert_int_equal(mkdir(path, 0755), 0);
    expect_load_refused(dir, "setup.css: is not a regular file");
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(mkfifo(path, 0644), 0);
    expect_load_refused(dir, "setup.css: is not a regular file");
    assert_int_equal(unlink(path), 0);
    /* one byte over the limit; the limit itself is served whole */
    big = malloc(KEELD_WEB_FILE_MAX + 1);
    assert_non_null(big);
    memset(big, 'a', KEELD_WEB_FILE_MAX + 1);
    assert_int_equal(write_text(dir, "setup.css", big, KEELD_WEB_FILE_MAX + 1), 0);
    expect_load_refused(dir, "setup.css: is larger than");
    assert_int_equal(write_text(dir, "setup.css", big, KEELD_WEB_FILE_MAX), 0);
    {
        struct keeld_web *w = NULL;
        struct keeld_response rs;
        char err[KEELD_ERROR_MAX];
        assert_int_equal(keeld_web_load(dir, (int64_t)time(NULL), &w, err, sizeof(err)), KEEL_OK);
        memset(&rs, 0, sizeof(rs));
        assert_int_equal(keeld_web_find(w, "/setup.css", &rs), 1);
        assert_int_equal(rs.ext_len, KEELD_WEB_FILE_MAX);
        assert_memory_equal(rs.ext_body, big, KEELD_WEB_FILE_MAX);
        keeld_web_free(w);
    }
    free(big);
    keeld_web_free(NULL);
}

/* ---- /api/v1/device and /api/v1/security ---- */

static void test_device(void **state)
{
    struct fixture *f = *state;
    cJSON *j;
    char today[16];
    time_t now = time(NULL);
    struct tm tm;

    expect(f, KEELD_GET, "/api/v1/device", NULL, 0, 200, NULL);
    j = answer_json(f);
    assert_int_equal(cJSON_GetArraySize(j), 8);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "model")->valuestring, "keel-lock-1");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "serial")->valuestring,
                        "KL0123456789AB");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "firmware_version")->valuestring,
                        KEELD_FIRMWARE_VERSION);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "support_until")->valuestring,
                        KEEL_SUPPORT_UNTIL);
    gmtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "supported")),
                     strcmp(today, KEEL_SUPPORT_UNTIL) <= 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "factory");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "security_contact")->valuestring,
                        KEEL_SECURITY_CONTACT);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "security_txt")->valuestring,
                        "/.well-known/security.txt");
    cJSON_Delete(j);
    initialise(f);
    expect(f, KEELD_GET, "/api/v1/device", NULL, 0, 200, NULL);
    j = answer_json(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "initialised");
    cJSON_Delete(j);
}

static void test_security(void **state)
{
    static const char *const ids[] = {"owner_password", "software_integrity", "automatic_updates",
                                      "update_check",   "root_of_trust",      "support_period",
                                      "cloud_link",     "data_processing"};
    struct fixture *f = *state;
    cJSON *j;

    session(f);
    expect(f, KEELD_GET, "/api/v1/security", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "checks")), 8);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        const cJSON *c = check_of(j, ids[i]);
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(c, "ok")));
        assert_true(strlen(cJSON_GetObjectItemCaseSensitive(c, "detail")->valuestring) > 0);
    }
    assert_false(check_ok(j, "owner_password"));
    assert_true(check_ok(j, "software_integrity"));
    assert_false(check_ok(j, "automatic_updates")); /* no update repository */
    assert_false(check_ok(j, "root_of_trust"));     /* the file backend */
    assert_false(check_on(j, "cloud_link"));
    assert_false(check_on(j, "data_processing"));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok")));
    cJSON_Delete(j);
    initialise(f);
    session(f);
    __atomic_store_n(&f->st.cloud_online, 1, __ATOMIC_RELEASE);
    expect(f, KEELD_GET, "/api/v1/security", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_true(check_ok(j, "owner_password"));
    assert_true(check_on(j, "cloud_link"));
    /* still not ok overall: no updates, keys in files */
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok")));
    cJSON_Delete(j);
}

/* ---- setup ---- */

static void expect_record(struct fixture *f, const char *name, const char *want)
{
    char v[64];
    size_t len = 0;

    assert_int_equal(keel_store_get(f->store, name, v, sizeof(v) - 1, &len), KEEL_OK);
    v[len] = '\0';
    assert_string_equal(v, want);
}

static void test_setup(void **state)
{
    struct fixture *f = *state;
    char v[4];
    size_t len = 0;
    cJSON *j;

    initialise(f);
    session(f);
    expect(f, KEELD_POST, "/api/v1/setup", "{\"auto_install\":false}", 1, 400,
           "{\"error\":\"bad request\"}");
    expect(f, KEELD_POST, "/api/v1/setup",
           "{\"auto_install\":false,\"data_processing\":true,\"x\":1}", 1, 400, NULL);
    assert_int_equal(keel_store_get(f->store, KEELD_REC_PROCESSING, v, sizeof(v), &len),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_store_get(f->store, KEELD_REC_UPDATE_SETTINGS, v, sizeof(v), &len),
                     KEEL_ERR_NOT_FOUND);
    expect(f, KEELD_POST, "/api/v1/setup", "{\"auto_install\":false,\"data_processing\":true}", 1,
           204, NULL);
    assert_int_equal(f->rs.body_len, 0);
    /* the processing's choice is a consent record of the lock (6-3A), not a store record */
    assert_int_equal(keel_store_get(f->store, KEELD_REC_PROCESSING, v, sizeof(v), &len),
                     KEEL_ERR_NOT_FOUND);
    expect_record(f, KEELD_REC_UPDATE_SETTINGS, "0,1,0");
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 1);
    expect(f, KEELD_GET, "/api/v1/security", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_true(check_on(j, "data_processing"));
    cJSON_Delete(j);
    /* chosen again: the defaults back */
    expect(f, KEELD_POST, "/api/v1/setup", "{\"data_processing\":false,\"auto_install\":true}", 1,
           204, NULL);
    expect_record(f, KEELD_REC_UPDATE_SETTINGS, "1,1,0");
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
}

/* ---- the lock ---- */

static void test_lock(void **state)
{
    static const char *const bad[] = {
        "{\"action\":\"open\"}",
        "{\"action\":\"unlock\",\"force\":1}",
        "{\"action\":1}",
        "{\"action\":\"unlock\"",
        "[\"unlock\"]",
        "{\"action\":\"unlock\\u0000\"}",
        "{\"action\":\"unlock\"}{}",
    };
    struct fixture *f = *state;
    char log_before[KEELD_RESPONSE_MAX];
    cJSON *j;

    initialise(f);
    session(f);
    expect(f, KEELD_GET, "/api/v1/lock", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "locked")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "door")->valuestring, "closed");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "battery")));
    assert_int_equal(strlen(cJSON_GetObjectItemCaseSensitive(j, "changed_at")->valuestring), 20);
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(j, "unclean_start")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "queued")));
    assert_int_equal(cJSON_GetArraySize(j), 6);
    cJSON_Delete(j);
    expect(f, KEELD_GET, "/api/v1/status", NULL, 1, 200, NULL);
    assert_non_null(strstr(f->rs.body, "\"lock\":\"locked\""));
    expect(f, KEELD_GET, "/api/v1/log", NULL, 1, 200, NULL);
    memcpy(log_before, f->rs.body, f->rs.body_len + 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect(f, KEELD_POST, "/api/v1/lock", bad[i], 1, 400, "{\"error\":\"bad request\"}");
    assert_int_equal(locked_now(f), 1);
    expect(f, KEELD_GET, "/api/v1/log", NULL, 1, 200, NULL);
    assert_string_equal(f->rs.body, log_before); /* refused: not even logged as a request */
    expect(f, KEELD_POST, "/api/v1/lock", "{\"action\":\"unlock\"}", 1, 200, NULL);
    j = answer_json(f);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "locked")));
    cJSON_Delete(j);
    assert_int_equal(locked_now(f), 0);
    expect(f, KEELD_GET, "/api/v1/status", NULL, 1, 200, NULL);
    assert_non_null(strstr(f->rs.body, "\"lock\":\"unlocked\""));
    expect(f, KEELD_GET, "/api/v1/log", NULL, 1, 200, NULL);
    j = answer_json(f);
    {
        const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "entries"), 0);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "source")->valuestring, "api");
    }
    cJSON_Delete(j);
    expect(f, KEELD_POST, "/api/v1/lock", "{\"action\":\"lock\"}", 1, 200, NULL);
    assert_int_equal(locked_now(f), 1);
}

static void test_pins(void **state)
{
    struct fixture *f = *state;
    char body[128];
    cJSON *j;
    int first;

    initialise(f);
    session(f);
    expect(f, KEELD_GET, "/api/v1/pins", NULL, 1, 200, "{\"pins\":[]}");
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Alice\",\"pin\":\"135792\"}", 1, 201, NULL);
    j = answer_json(f);
    first = cJSON_GetObjectItemCaseSensitive(j, "id")->valueint;
    assert_true(first >= 1);
    cJSON_Delete(j);
    expect(f, KEELD_GET, "/api/v1/pins", NULL, 1, 200, NULL);
    assert_non_null(strstr(f->rs.body, "\"name\":\"Alice\""));
    assert_null(strstr(f->rs.body, "135792")); /* never the code */
    /* weak, taken, malformed: refused, and the list as it was */
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Bob\",\"pin\":\"123456\"}", 1, 400,
           "{\"error\":\"weak pin\",\"reason\":\"sequence\"}");
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Bob\",\"pin\":\"111111\"}", 1, 400,
           "{\"error\":\"weak pin\",\"reason\":\"repeated\"}");
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Bob\",\"pin\":\"12a456\"}", 1, 400, NULL);
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Alice\",\"pin\":\"246813\"}", 1, 409,
           "{\"error\":\"conflict\"}");
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Bob\",\"pin\":\"135792\"}", 1, 409, NULL);
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Bob\",\"pin\":135792}", 1, 400,
           "{\"error\":\"bad request\"}");
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"B\\u0007b\",\"pin\":\"246813\"}", 1, 400,
           NULL);
    expect(f, KEELD_GET, "/api/v1/pins", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "pins")), 1);
    cJSON_Delete(j);
    /* up to KEELD_PINS_MAX, then 409 */
    for (unsigned i = 1; i < KEELD_PINS_MAX; i++) {
        (void)keel_str_format(body, sizeof(body), "{\"name\":\"user %u\",\"pin\":\"%u\"}", i,
                              246800u + 37u * i);
        expect(f, KEELD_POST, "/api/v1/pins", body, 1, 201, NULL);
    }
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"one more\",\"pin\":\"975318\"}", 1, 409,
           NULL);
    expect(f, KEELD_GET, "/api/v1/pins", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "pins")),
                     KEELD_PINS_MAX);
    cJSON_Delete(j);
    /* remove: once, then not found; malformed ids change nothing */
    expect(f, KEELD_POST, "/api/v1/pins/remove", "{\"id\":\"1\"}", 1, 400, NULL);
    expect(f, KEELD_POST, "/api/v1/pins/remove", "{\"id\":0}", 1, 400, NULL);
    (void)keel_str_format(body, sizeof(body), "{\"id\":%d}", first);
    expect(f, KEELD_POST, "/api/v1/pins/remove", body, 1, 204, NULL);
    expect(f, KEELD_POST, "/api/v1/pins/remove", body, 1, 404, "{\"error\":\"not found\"}");
    expect(f, KEELD_POST, "/api/v1/pins/remove", "{\"id\":2147483647}", 1, 404, NULL);
    expect(f, KEELD_GET, "/api/v1/pins", NULL, 1, 200, NULL);
    assert_null(strstr(f->rs.body, "\"Alice\""));
    /* the PIN's name is free again */
    expect(f, KEELD_POST, "/api/v1/pins", "{\"name\":\"Alice\",\"pin\":\"135792\"}", 1, 201, NULL);
}

/* ---- --describe lists the static files ---- */

static void test_describe(void **state)
{
    struct keeld_config cfg = {.listen = "127.0.0.1", .port = 8443};
    char *json = NULL;
    cJSON *j, *r;
    size_t statics = 0, n = 0;

    (void)state;
    assert_int_equal(keeld_describe(&cfg, &json), KEEL_OK);
    j = cJSON_Parse(json);
    free(json);
    assert_non_null(j);
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(j, "routes"))
    {
        const char *path = cJSON_GetObjectItemCaseSensitive(r, "path")->valuestring;
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(r, "factory")));
        n++;
        if (path[1] == '\0' || strncmp(path, "/api/", 5) != 0) {
            statics++;
            assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "method")->valuestring, "GET");
            assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "public")));
            assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "security_relevant")));
        }
    }
    assert_int_equal(statics, keeld_web_path_count());
    assert_int_equal(n, keeld_route_count() + keeld_web_path_count());
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_describe),
        cmocka_unit_test_setup_teardown(test_errors_uniform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_factory_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_methods_and_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_txt_expires_with_support, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web_load_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pins, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
