/*
 * keel audit's white-box test cases over a firmware tree beyond the key and password scan of
 * 5.4-3-2: the tree's own accounts (5.1-1), the memory protections of its programs (5.6-8),
 * its file modes (5.6-7) and the debug and remote services it starts (5.6-4A in V3.1.3,
 * 5.6-4 in V2.1.1). Private to src/audit, its tests and fuzz targets.
 *
 * Everything read from the tree is untrusted: every size and count is bounded, no symbolic
 * link leads out of the tree (links inside it resolve as if the tree were "/", never to the
 * auditor's own files), and evidence is sanitised when recorded. Functions return keel_err
 * (KEEL_ERR_ARG for a NULL where the contract forbids it); nothing here aborts.
 */
#ifndef KEEL_AUDIT_WHITEBOX_H
#define KEEL_AUDIT_WHITEBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "audit.h"

/* ---- Reading inside the tree --------------------------------------------------------- */

/* Open rel ('/'-separated, a leading '/' allowed) below the tree whose root directory is open
 * at rootfd, resolving symbolic links as if the root were "/" (openat2 RESOLVE_IN_ROOT: a link
 * can never lead out of the tree); where the kernel has no openat2 every symbolic link is
 * refused instead. flags: O_RDONLY, optionally with O_DIRECTORY. KEEL_ERR_NOT_FOUND when rel
 * does not exist, KEEL_ERR_IO otherwise (errno says why), KEEL_ERR_ARG. */
keel_err keel_audit_tree_open(int rootfd, const char *rel, int flags, int *fd);

/* Read the regular file rel of the tree (as keel_audit_tree_open) into a new NUL-terminated
 * buffer (*data, *len without the NUL) that the caller releases with free().
 * KEEL_ERR_NOT_FOUND, KEEL_ERR_TOO_LARGE past max bytes, KEEL_ERR_IO (also when it is not a
 * regular file), KEEL_ERR_NOMEM. *ino (may be NULL) gets its device and inode number, so that
 * one file reached through several links is judged once. */
typedef struct keel_audit_file_id {
    dev_t dev;
    ino_t ino;
} keel_audit_file_id;

keel_err keel_audit_tree_read(int rootfd, const char *rel, size_t max, char **data, size_t *len,
                              keel_audit_file_id *ino);

/* The names in directory rel of the tree, sorted, without "." and "..", into a new array
 * (*names, *n) freed with keel_audit_names_free. KEEL_ERR_NOT_FOUND when rel does not exist,
 * KEEL_ERR_TOO_LARGE past max names, KEEL_ERR_IO, KEEL_ERR_NOMEM. */
keel_err keel_audit_tree_list(int rootfd, const char *rel, size_t max, char ***names, size_t *n);
void keel_audit_names_free(char **names, size_t n);

/* Called once per entry below a walked root (not for the root itself) with its lstat and the
 * directory it is in (open at dirfd, valid only during the call; name is its name there). */
typedef void (*keel_audit_entry_fn)(const char *path, int dirfd, const char *name,
                                    const struct stat *st, void *user);

/* The walk of keel_audit_walk_tree (same order, depth and count bounds, no symbolic link
 * followed) without reading any file: fn for every directory, file, link and special file.
 * stats counts files (regular files seen), skipped_links, skipped_other, unreadable and
 * truncated; bytes stays 0. KEEL_ERR_IO when root cannot be opened. */
keel_err keel_audit_walk_entries(const char *root, keel_audit_entry_fn fn, void *user,
                                 keel_audit_scan_stats *stats);

/* ---- 5.1-1: the tree's accounts (etc/passwd, etc/shadow) ---------------------------- */

#define KEEL_AUDIT_ACCOUNT_FILE_MAX ((size_t)1024 * 1024)
#define KEEL_AUDIT_ACCOUNTS_MAX 1024
#define KEEL_AUDIT_ACCOUNT_NAME_MAX 33   /* a name of 1-32 bytes and its NUL */
#define KEEL_AUDIT_ACCOUNT_FIELD_MAX 256 /* a password field of 0-255 bytes and its NUL */

typedef enum keel_audit_account_file {
    KEEL_AUDIT_PASSWD = 0, /* name:password:uid:gid:gecos:home:shell */
    KEEL_AUDIT_SHADOW = 1  /* name:password:lastchg:min:max:warn:inactive:expire:reserved */
} keel_audit_account_file;

typedef struct keel_audit_account {
    char name[KEEL_AUDIT_ACCOUNT_NAME_MAX];
    char password[KEEL_AUDIT_ACCOUNT_FIELD_MAX]; /* the password field as written */
    size_t line;                                 /* 1-based line in its file */
} keel_audit_account;

/* Parse len bytes (untrusted, need not be NUL-terminated) of a passwd or shadow file into
 * out[0..max) and *count, strictly: every line ends with '\n' (the last may not), empty lines
 * are skipped, every other line has exactly 7 (passwd) or 9 (shadow) ':'-separated fields;
 * a name is 1-32 of [A-Za-z0-9._-] (not starting with '-') with an optional final '$'; the
 * password field is 0-255 printable ASCII bytes without spaces; passwd's uid and gid are
 * decimal numbers below 2^32, shadow's day counts empty or decimal (at most 10 digits); no
 * field holds a control byte, a NUL or a byte above 0x7e (gecos, home and shell may hold
 * bytes above 0x7f); a name appears once. NIS compatibility entries ("+", "-") are refused.
 * KEEL_ERR_PARSE with why naming the line and the rule ("line 3: 6 fields, passwd has 7"),
 * KEEL_ERR_TOO_LARGE past KEEL_AUDIT_ACCOUNT_FILE_MAX bytes or max accounts. On failure
 * *count is 0. why (whysz bytes, may be NULL) is always NUL-terminated. */
keel_err keel_audit_accounts_parse(const void *text, size_t len, keel_audit_account_file kind,
                                   keel_audit_account *out, size_t max, size_t *count, char *why,
                                   size_t whysz);

typedef enum keel_audit_password_state {
    KEEL_AUDIT_PW_EMPTY = 0,    /* "": the account logs in without a password */
    KEEL_AUDIT_PW_LOCKED = 1,   /* starts with '!' or '*': no password opens it */
    KEEL_AUDIT_PW_SHADOWED = 2, /* "x" in passwd: the password is in shadow */
    KEEL_AUDIT_PW_HASH = 3      /* anything else: a crypt(3) hash to try */
} keel_audit_password_state;

keel_audit_password_state keel_audit_password_classify(const char *field,
                                                       keel_audit_account_file kind);

/* Bounds of the dictionary attack (measured in docs/audit-report.md): at most this many
 * hashes per tree, all crypt(3) calls of one tree within the budget, and no hash whose own
 * cost parameter is above the caps (a hash can ask for hours per try). */
#define KEEL_AUDIT_CRACK_HASHES_MAX 64
#define KEEL_AUDIT_CRACK_BUDGET_MS 20000LL
#define KEEL_AUDIT_CRACK_SHA_ROUNDS_MAX 200000u
#define KEEL_AUDIT_CRACK_BCRYPT_COST_MAX 12u
#define KEEL_AUDIT_CRACK_SHA1_ROUNDS_MAX 500000u
#define KEEL_AUDIT_CRACK_BSDI_ROUNDS_MAX 1000000u
#define KEEL_AUDIT_CRACK_MEMORY_MAX ((uint64_t)64 * 1024 * 1024) /* scrypt, yescrypt */

typedef enum keel_audit_crack_result {
    KEEL_AUDIT_CRACK_FOUND = 0,   /* a candidate matches */
    KEEL_AUDIT_CRACK_NONE,        /* every candidate was tried, none matches */
    KEEL_AUDIT_CRACK_INVALID,     /* no hash crypt(3) knows: no password matches it */
    KEEL_AUDIT_CRACK_UNSUPPORTED, /* a scheme this crypt(3) has switched off, or one whose
                                     cost keel does not bound */
    KEEL_AUDIT_CRACK_TOO_COSTLY,  /* its cost parameter is above the caps */
    KEEL_AUDIT_CRACK_BUDGET       /* the time ran out before every candidate was tried */
} keel_audit_crack_result;

/* The dictionary attack's state: crypt(3)'s work area and the time spent. */
typedef struct keel_audit_cracker {
    void *work; /* struct crypt_data, wiped and freed by keel_audit_cracker_free */
    long long budget_ms;
    long long spent_ms;
    size_t calls;
} keel_audit_cracker;

/* budget_ms > 0 (else KEEL_ERR_ARG); KEEL_ERR_NOMEM. */
keel_err keel_audit_cracker_init(keel_audit_cracker *c, long long budget_ms);
/* NULL is a no-op. */
void keel_audit_cracker_free(keel_audit_cracker *c);

/* The scheme of a hash as people name it ("yescrypt", "sha512crypt", "bcrypt", "md5crypt",
 * "descrypt", ...), "unknown" when none. */
const char *keel_audit_hash_scheme(const char *hash);

/* Try the user name, then each of the n words (a word equal to the name is tried once), on
 * hash with crypt(3), while the cracker's budget lasts. *tried gets the candidates tried and
 * *found (on KEEL_AUDIT_CRACK_FOUND) the matching one (user or a word; public: it is on the
 * dictionary or is the account's name). why (whysz bytes) says why a hash was not tried
 * ("rounds=5000000 above 200000"). Never returns a hash or a password that is not a
 * candidate. */
keel_audit_crack_result keel_audit_crack(keel_audit_cracker *c, const char *hash, const char *user,
                                         const char *const *words, size_t n, size_t *tried,
                                         const char **found, char *why, size_t whysz);

/* The verdict of 5.1-1-3 on parsed files. has_passwd / has_shadow say whether each file is in
 * the tree; evidence names each account found wanting by file, line and reason ("etc/shadow:2:
 * account 'guest': empty password field: logs in without a password", "etc/shadow:3: account
 * 'root': password is the default 'admin' (sha512crypt)"), each hash not fully tried, and a
 * summary. FAIL on an empty password field or a cracked hash; else INCONCLUSIVE when a hash
 * could not be tried with every candidate; else PASS (every account locked, or its hash
 * resisted every candidate). Neither file: N/A ("the tree defines no accounts"). */
keel_audit_verdict keel_audit_accounts_judge(const keel_audit_account *passwd, size_t np,
                                             int has_passwd, const keel_audit_account *shadow,
                                             size_t ns, int has_shadow, keel_audit_cracker *c,
                                             const char *const *words, size_t nw,
                                             keel_audit_evidence *ev);

/* 5.1-1 test case "5.1-1-3" (white-box, functional): the accounts of the firmware tree at dir
 * (etc/passwd, etc/shadow) judged by keel_audit_accounts_judge with the built-in default
 * passwords and KEEL_AUDIT_CRACK_BUDGET_MS. A file that cannot be read or parsed:
 * INCONCLUSIVE naming it and the rule. Only a failure to record is returned. */
keel_err keel_audit_check_accounts(keel_audit_report *r, const char *dir);

/* ---- 5.6-8: memory protections of the tree's programs (ELF) ------------------------------ */

#define KEEL_AUDIT_ELF_PHNUM_MAX 4096
#define KEEL_AUDIT_ELF_SHNUM_MAX 65280
#define KEEL_AUDIT_ELF_DYNAMIC_MAX 65536   /* entries of the dynamic section */
#define KEEL_AUDIT_ELF_SYMBOLS_MAX 1048576 /* dynamic symbols read */
#define KEEL_AUDIT_ELF_PLAIN_EXAMPLE_MAX 24

/* What one ELF file says about its memory protections. */
typedef struct keel_audit_elf_facts {
    int is64, big_endian;
    unsigned type;        /* ET_EXEC, ET_DYN, ET_REL, ET_CORE ... */
    unsigned machine;     /* EM_* */
    int linux_abi;        /* EI_OSABI is ELFOSABI_GNU (Linux) */
    int interp;           /* PT_INTERP: a dynamically linked program */
    int dynamic;          /* PT_DYNAMIC */
    int gnu_stack;        /* PT_GNU_STACK present */
    int exec_stack;       /* ... and its flags hold PF_X */
    int wx_load;          /* a PT_LOAD both writable and executable */
    int relro;            /* PT_GNU_RELRO */
    int bind_now;         /* DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW: full RELRO with relro */
    int pie_flag;         /* DF_1_PIE */
    int textrel;          /* DT_TEXTREL or DF_TEXTREL */
    int symbols;          /* a dynamic symbol table was found and read */
    int stack_chk;        /* __stack_chk_fail (or its _local form) imported or defined */
    size_t chk_imports;   /* imported "__*_chk" functions (FORTIFY_SOURCE) */
    size_t plain_imports; /* imported functions that FORTIFY_SOURCE has a checked form of */
    char plain_example[KEEL_AUDIT_ELF_PLAIN_EXAMPLE_MAX]; /* the first of them */
} keel_audit_elf_facts;

/* Read the ELF file in data[0..len) (untrusted): the header, program headers, the dynamic
 * section and the dynamic symbols' names (from the section headers, else from the dynamic
 * section's DT_SYMTAB / DT_STRTAB with DT_HASH or DT_GNU_HASH for their number), 32 or 64 bit,
 * either byte order, every offset, size and count checked against len and the bounds above
 * before use. KEEL_ERR_NOT_FOUND when data does not start with the ELF magic; KEEL_ERR_PARSE
 * with why ("program header 3 lies outside the file") for a malformed file. */
keel_err keel_audit_elf_read(const uint8_t *data, size_t len, keel_audit_elf_facts *out, char *why,
                             size_t whysz);

typedef struct keel_audit_elf_tally {
    size_t executables, shared; /* judged */
    size_t not_judged;          /* relocatable objects, core files, programs for another
                                   processor (no PT_INTERP, PT_DYNAMIC or PT_GNU_STACK) */
    size_t malformed;
    size_t failed; /* files without NX, PIE or RELRO */
    size_t no_nx, no_pie, no_relro;
    size_t partial_relro, no_stack_protector, not_fortified, textrel; /* warnings */
} keel_audit_elf_tally;

/* Judge one file: a line into findings for a file without NX (no PT_GNU_STACK, an executable
 * one, or a writable and executable PT_LOAD), PIE (an ET_EXEC program; ET_DYN with PT_INTERP
 * or DF_1_PIE is PIE, ET_DYN without either a shared object) or RELRO (no PT_GNU_RELRO); a
 * line into warnings for partial RELRO (dynamically linked without BIND_NOW), no stack protector
 * (no
 * __stack_chk_fail), not fortified (an unchecked function imported and no __*_chk) and text
 * relocations. Counts go into t. */
void keel_audit_elf_judge(const char *path, const keel_audit_elf_facts *f, keel_audit_elf_tally *t,
                          keel_audit_evidence *findings, keel_audit_evidence *warnings);

/* FAIL when a judged file lacks NX, PIE or RELRO; else INCONCLUSIVE when a file was
 * malformed, skipped (too large) or unreadable or the walk was cut short; else N/A when no
 * program or shared object was judged ("no ELF program or shared object for the device's
 * system in the tree"); else PASS. A summary line goes into ev. */
keel_audit_verdict keel_audit_elf_verdict(const keel_audit_elf_tally *t,
                                          const keel_audit_scan_stats *s, keel_audit_evidence *ev);

/* 5.6-8 test case "5.6-8-2" (white-box): every ELF file of the tree (found by its magic, not
 * its name; symbolic links not followed; at most KEEL_AUDIT_SCAN_FILE_MAX bytes each) judged
 * as above. Only a failure to record is returned. */
keel_err keel_audit_check_elf(keel_audit_report *r, const char *dir);

/* ---- 5.6-7: setuid, setgid and world-writable files ------------------------------------ */

typedef struct keel_audit_mode_tally {
    size_t entries;        /* entries judged */
    size_t setuid, setgid; /* regular files */
    size_t world_writable; /* files, directories without the sticky bit, special files */
    size_t allowed;        /* world-writable device nodes on the allow-list */
} keel_audit_mode_tally;

/* Judge one entry of the tree (path relative to its root, st_mode from lstat): a regular file
 * with the setuid or setgid bit, or anything but a symbolic link writable by every user (a
 * directory only without the sticky bit), is a finding ("usr/bin/helper: setuid (mode 4755)"),
 * except the character devices that every Linux system makes world-writable (dev/null,
 * dev/zero, dev/full, dev/random, dev/urandom, dev/tty, dev/ptmx). No setuid or setgid
 * program is allowed by default: each must be justified in the ICS. Returns 1 for a finding. */
int keel_audit_mode_judge(const char *path, mode_t mode, keel_audit_mode_tally *t,
                          keel_audit_evidence *findings);

/* 5.6-7 test case "5.6-7-2" (white-box): every entry of the tree judged as above. FAIL on a
 * finding; INCONCLUSIVE when a directory could not be read or the walk was cut short; N/A
 * for an empty tree; else PASS. Only a failure to record is returned. */
keel_err keel_audit_check_modes(keel_audit_report *r, const char *dir);

/* ---- 5.6-4A / 5.6-4: debug and remote services switched on ----------------------------- */

/* Bounds of the configuration the scan reads. */
#define KEEL_AUDIT_SERVICE_FILE_MAX ((size_t)1024 * 1024)
#define KEEL_AUDIT_SERVICE_FILES_MAX 4096
#define KEEL_AUDIT_SERVICE_DIR_MAX 4096 /* names per directory */
#define KEEL_AUDIT_SSHD_INCLUDE_DEPTH 4

/* What the scan found and read. */
typedef struct keel_audit_service_scan {
    keel_audit_evidence *findings; /* one line per service switched on */
    size_t found;
    size_t files;      /* configuration files read */
    size_t unreadable; /* files that exist but could not be read, or were too large */
    size_t not_judged; /* commands whose arguments come from a variable (evidence says) */
} keel_audit_service_scan;

/* Each scanner reads one configuration file (text[0..len), untrusted; path names it in the
 * evidence) and adds a finding per debug or remote service it switches on.
 *
 * A command counts when its program's name is telnetd, utelnetd or in.telnetd (telnet: a shell
 * over the network in clear text), adbd (Android Debug Bridge), or dropbear without -s
 * (password logins over SSH), after the wrappers exec, nohup, setsid, busybox, env, nice,
 * "start-stop-daemon ... --exec|-x|--startas|-a PROGRAM", "procd_set_param command" and
 * "service_start", and variable assignments; shell lines are split at ';', '&&', '||', '|' and
 * '&', and if/then/else/do/'!'/'('/'{' are skipped. A getty (getty, agetty, mgetty, uugetty,
 * fgetty, mingetty) or a shell on a serial line (ttyS*, ttyAMA*, ttyUSB*, ttyACM*, ttymxc*,
 * ttySAC*, ttyO*, ttyMSM*, ttyHS*, ttyPS*, ttyGS*, ttyTHS*, ttyLP*, ttyAML*, hvc*, console) is
 * a login on the debug console. */

/* etc/inittab, sysvinit ("id:runlevels:action:process") and BusyBox ("tty::action:process",
 * an empty tty being the console) alike: the process of every line but "off" ones. */
void keel_audit_inittab_scan(const char *path, const char *text, size_t len,
                             keel_audit_service_scan *s);
/* A boot script (etc/init.d/S*, etc/rc.local, ...): every command line. */
void keel_audit_script_scan(const char *path, const char *text, size_t len,
                            keel_audit_service_scan *s);
/* etc/inetd.conf: a service whose server (or the program tcpd runs) is telnetd. */
void keel_audit_inetd_scan(const char *path, const char *text, size_t len,
                           keel_audit_service_scan *s);
/* A file of etc/xinetd.d: a service whose server is telnetd and that is not "disable = yes". */
void keel_audit_xinetd_scan(const char *path, const char *text, size_t len,
                            keel_audit_service_scan *s);
/* A systemd unit that is enabled (unit names it): ExecStart= commands. */
void keel_audit_unit_scan(const char *path, const char *unit, const char *text, size_t len,
                          keel_audit_service_scan *s);
/* An enabled unit's name alone (where: the link that enables it): serial-getty@TTY.service,
 * getty@TTY.service on a serial line, console-getty.service. Returns 1 for a finding. */
int keel_audit_unit_name_scan(const char *where, const char *unit, keel_audit_service_scan *s);
/* Android properties (default.prop, build.prop): ro.adb.secure=0, ro.secure=0,
 * persist.sys.usb.config or sys.usb.config naming adb, persist.service.adb.enable=1. */
void keel_audit_props_scan(const char *path, const char *text, size_t len,
                           keel_audit_service_scan *s);

/* sshd's settings as sshd takes them (the first value of a keyword wins; keywords in any case;
 * "Match" blocks apply to some connections only and are judged apart). -1: not set. */
typedef struct keel_audit_sshd {
    int password_auth, empty_passwords, root_login, kbd_interactive, use_pam;
    char password_auth_at[96], empty_passwords_at[96], root_login_at[96], kbd_at[96];
    int in_match;          /* the lines being read are inside a Match block */
    size_t match_findings; /* password settings inside Match blocks */
} keel_audit_sshd;

void keel_audit_sshd_init(keel_audit_sshd *c);

/* Called for an "Include" directive: the pattern as written, to be read into c (depth given). */
typedef void (*keel_audit_sshd_include_fn)(const char *pattern, keel_audit_sshd *c, int depth,
                                           void *user);

/* Read one sshd_config (or an included file) into c; include (may be NULL: Include lines are
 * then noted as not followed) is called for each Include below KEEL_AUDIT_SSHD_INCLUDE_DEPTH. */
void keel_audit_sshd_read(const char *path, const char *text, size_t len, keel_audit_sshd *c,
                          int depth, keel_audit_sshd_include_fn include, void *user,
                          keel_audit_service_scan *s);

/* The findings of the settings read, OpenSSH's defaults where one is not set: password login
 * (PasswordAuthentication, default yes), PermitEmptyPasswords yes, PermitRootLogin yes (the
 * default prohibit-password is fine), keyboard-interactive with UsePAM yes (PAM asks for the
 * password; KbdInteractiveAuthentication defaults to yes). path names the file. */
void keel_audit_sshd_judge(const char *path, const keel_audit_sshd *c, keel_audit_service_scan *s);

/* Scan the tree at dir: etc/inittab; boot scripts (etc/rc.local, etc/rc.d/rc.local,
 * etc/init.d/rcS, and the S* entries of etc/init.d, etc/rc.d and etc/rc[0-6S].d, links
 * resolved inside the tree, each file once); etc/inetd.conf and etc/xinetd.d; the systemd
 * units enabled by the entries of the *.wants and *.requires directories of etc/systemd/system,
 * lib/systemd/system and usr/lib/systemd/system (unit files looked up there, templates
 * "name@.service" too, a socket's service by its name); etc/ssh/sshd_config with its Includes;
 * Android's default.prop, prop.default, system/build.prop, vendor/build.prop. *s gets the
 * findings and counts. KEEL_ERR_IO when dir cannot be opened. */
keel_err keel_audit_services_scan(const char *dir, keel_audit_service_scan *s);

/* The services' part of 5.6-4A-2 / 5.6-4-2: FAIL on a finding; INCONCLUSIVE when a
 * configuration file could not be read; PASS when files were read and none switches a debug
 * service on; N/A when the tree holds none of them (nothing started to judge). Lines into ev. */
keel_audit_verdict keel_audit_services_verdict(const keel_audit_service_scan *s,
                                               keel_audit_evidence *ev);

#endif /* KEEL_AUDIT_WHITEBOX_H */
