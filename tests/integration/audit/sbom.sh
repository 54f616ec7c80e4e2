#!/usr/bin/env bash
# keel audit's SBOM (OUT/sbom.cdx.json, docs/sbom.md) end to end through the CLI, on firmware
# trees built here at test time, each audit run with --only 5.6-7 (a quick walk of the tree)
# against a local port nothing listens on, so that nothing but the tree is read:
#  - a Debian tree (dpkg status: libraries, alternatives, a virtual package, an epoch, packages
#    removed or purged), an OpenWrt tree (opkg status behind OpenWrt's var -> /tmp link) and a
#    distroless tree (var/lib/dpkg/status.d): exactly the installed packages become components,
#    with the purls, types, suppliers and dependency edges expected;
#  - report.json names the SBOM in its "sbom" member and still follows its schema;
#  - every SBOM validates against the real CycloneDX 1.5 JSON Schema (with the SPDX and JSF
#    schemas it references, from the npm package tests/sbom pins), and the validator itself is
#    shown to fail on broken copies (so a pass means something);
#  - a malformed database ends the audit with an error naming the file and line, and leaves no
#    SBOM (not even an earlier one);
#  - this machine's own dpkg database: as many components as dpkg-query counts installed.
set -euo pipefail
: "${KEEL_BIN:?}" "${KEEL_SOURCE_DIR:?}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-audit-sbom.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SCHEMAS=$KEEL_SOURCE_DIR/tests/sbom/node_modules/@cyclonedx/cyclonedx-library/res/schema
started=$SECONDS

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ -f "$SCHEMAS/bom-1.5.SNAPSHOT.schema.json" ] ||
    fail "the CycloneDX 1.5 schema is missing ($SCHEMAS): run scripts/bootstrap"
/usr/bin/python3 -c 'import jsonschema' || fail "python3-jsonschema is missing: run scripts/bootstrap"

# A port nothing listens on: the kernel picks a free one, which is closed again at once.
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

audit() { # NAME TREE: keel audit of TREE into $WORK/NAME; its stderr in $WORK/NAME.err
    "$KEEL_BIN" audit --target "127.0.0.1:$PORT" --only 5.6-7 --firmware "$2" --out "$WORK/$1" \
        >"$WORK/$1.out" 2>"$WORK/$1.err"
}

# ---- The fixture trees ---------------------------------------------------------------------
deb=$WORK/trees/debian
mkdir -p "$deb/etc" "$deb/usr/lib" "$deb/var/lib/dpkg"
cat >"$deb/usr/lib/os-release" <<'EOF'
PRETTY_NAME="Acme Lock OS 12 (bookworm)"
NAME="Acme Lock OS"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
EOF
ln -s ../usr/lib/os-release "$deb/etc/os-release"
cat >"$deb/var/lib/dpkg/status" <<'EOF'
Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: libgcc-s1
Status: install ok installed
Section: libs
Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>
Architecture: amd64
Version: 12.2.0-14
Depends: libc6 (>= 2.35)
Description: GCC support library

Package: libssl3
Status: install ok installed
Section: libs
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries

Package: debconf
Status: install ok installed
Section: admin
Maintainer: Debconf Developers <debconf-devel@lists.alioth.debian.org>
Architecture: all
Version: 1.5.82
Provides: debconf-2.0
Description: Debian configuration management system

Package: lockd
Status: install ok installed
Section: net
Maintainer: Acme Devices <firmware@acme.example>
Architecture: amd64
Version: 2:1.4+acme1
Pre-Depends: debconf-2.0 | cdebconf
Depends: libssl3 (>= 3.0.0), libc6 (>= 2.34), python3 | perl-base
Conffiles:
 /etc/lockd.conf 3b5d5c3712955042212316173ccf37be
Description: the lock's daemon
 Opens the bolt for the owner.

Package: telnetd
Status: deinstall ok config-files
Section: net
Architecture: amd64
Version: 0.17+2.4-2
Conffiles:
 /etc/inetd.conf 1b5d5c3712955042212316173ccf37be

Package: gone
Status: purge ok not-installed
Architecture: amd64
EOF

wrt=$WORK/trees/openwrt
mkdir -p "$wrt/etc" "$wrt/usr/lib/opkg" "$wrt/tmp/lib"
cat >"$wrt/usr/lib/os-release" <<'EOF'
NAME="OpenWrt"
VERSION="23.05.3"
ID="openwrt"
ID_LIKE="lede openwrt"
PRETTY_NAME="OpenWrt 23.05.3"
VERSION_ID="23.05.3"
BUILD_ID="r23809-234f1a2efa"
OPENWRT_BOARD="ath79/generic"
EOF
ln -s ../usr/lib/os-release "$wrt/etc/os-release"
ln -s /tmp "$wrt/var"                   # OpenWrt's var is tmpfs ...
ln -s /usr/lib/opkg "$wrt/tmp/lib/opkg" # ... and its opkg state the flash's: one file, read once
cat >"$wrt/usr/lib/opkg/status" <<'EOF'
Package: busybox
Version: 1.36.1-1
Depends: libc
Status: install user installed
Architecture: mips_24kc
Conffiles:
 /etc/syslog.conf 5f3a4c0d
Installed-Time: 1711636823

Package: libc
Version: 1.2.4-4
Depends: libgcc1
Status: install hold installed
Architecture: mips_24kc
Installed-Time: 1711636823

Package: libgcc1
Version: 12.3.0-4
Status: install user installed
Architecture: mips_24kc
Installed-Time: 1711636823

Package: dropbear
Version: 2022.83-1
Depends: libc
Status: install user installed
Architecture: mips_24kc
Installed-Time: 1711636823

Package: luci-app-old
Version: 1
Status: deinstall ok not-installed
Architecture: all
EOF

dl=$WORK/trees/distroless
mkdir -p "$dl/etc" "$dl/var/lib/dpkg/status.d"
printf 'PRETTY_NAME="Distroless"\nID=debian\nVERSION_ID="12"\n' >"$dl/etc/os-release"
printf 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\n' \
    >"$dl/var/lib/dpkg/status.d/base"
printf '0123456789abcdef0123456789abcdef  etc/debian_version\n' >"$dl/var/lib/dpkg/status.d/base.md5sums"
printf 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\nDepends: base-files\n' \
    >"$dl/var/lib/dpkg/status.d/tzdata"

# ---- The SBOMs ---------------------------------------------------------------------------------
for tree in debian openwrt distroless; do
    audit "$tree" "$WORK/trees/$tree" || { cat "$WORK/$tree.err" >&2; fail "$tree: keel audit failed"; }
    [ -s "$WORK/$tree/sbom.cdx.json" ] || fail "$tree: no sbom.cdx.json"
done

# The components as "purl type supplier-email" lines, sorted; the edges as "from -> to" lines.
components() { jq -r '.components[] | [.purl // .["bom-ref"], .type, (.supplier.contact[0].email // "-")] | join(" ")' "$WORK/$1/sbom.cdx.json" | sort; }
edges() { jq -r '.dependencies[] | select(.ref != "keel:firmware") | .ref as $r | .dependsOn[] | "\($r) -> \(.)"' "$WORK/$1/sbom.cdx.json" | sort; }
expect() { # WHAT ACTUAL EXPECTED
    [ "$2" == "$3" ] || fail "$1: got
$2
expected
$3"
}

d='?arch=amd64&distro=debian-12'
a='?arch=all&distro=debian-12'
expect "debian components" "$(components debian)" "$(sort <<EOF
pkg:deb/debian/debconf@1.5.82$a application debconf-devel@lists.alioth.debian.org
pkg:deb/debian/libc6@2.36-9%2Bdeb12u4$d library debian-glibc@lists.debian.org
pkg:deb/debian/libgcc-s1@12.2.0-14$d library debian-gcc@lists.debian.org
pkg:deb/debian/libssl3@3.0.11-1~deb12u2$d library pkg-openssl-devel@alioth-lists.debian.net
pkg:deb/debian/lockd@2:1.4%2Bacme1$d application firmware@acme.example
EOF
)"
expect "debian dependencies" "$(edges debian)" "$(sort <<EOF
pkg:deb/debian/libc6@2.36-9%2Bdeb12u4$d -> pkg:deb/debian/libgcc-s1@12.2.0-14$d
pkg:deb/debian/libgcc-s1@12.2.0-14$d -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u4$d
pkg:deb/debian/libssl3@3.0.11-1~deb12u2$d -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u4$d
pkg:deb/debian/lockd@2:1.4%2Bacme1$d -> pkg:deb/debian/debconf@1.5.82$a
pkg:deb/debian/lockd@2:1.4%2Bacme1$d -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u4$d
pkg:deb/debian/lockd@2:1.4%2Bacme1$d -> pkg:deb/debian/libssl3@3.0.11-1~deb12u2$d
EOF
)"
expect "debian firmware" "$(jq -r '.metadata.component | "\(.type) \(.name) \(.version)"' "$WORK/debian/sbom.cdx.json")" \
    "firmware Acme Lock OS 12 (bookworm) 12"
expect "debian firmware depends on" "$(jq -r '.dependencies[] | select(.ref == "keel:firmware") | .dependsOn | length' "$WORK/debian/sbom.cdx.json")" 5
# The report names the SBOM beside it, and still follows its own schema.
expect "debian report's sbom" "$(jq -c .sbom "$WORK/debian/report.json")" \
    '{"path":"sbom.cdx.json","format":"CycloneDX 1.5","components":5,"sources":["var/lib/dpkg/status"]}'
/usr/bin/python3 - "$KEEL_SOURCE_DIR/data/schemas/audit-report.schema.json" "$WORK/debian/report.json" <<'PY' ||
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
PY
    fail "debian: report.json does not follow data/schemas/audit-report.schema.json"
grep -Fq "keel audit: SBOM $WORK/debian/sbom.cdx.json: 5 components from var/lib/dpkg/status (2 not installed left out, 6 dependencies, 1 unresolved)" \
    "$WORK/debian.err" || { cat "$WORK/debian.err" >&2; fail "debian: no SBOM line on stderr"; }

w='?arch=mips_24kc&distro=openwrt-23.05.3'
expect "openwrt components" "$(components openwrt)" "$(sort <<EOF
pkg:generic/openwrt/busybox@1.36.1-1$w application -
pkg:generic/openwrt/dropbear@2022.83-1$w application -
pkg:generic/openwrt/libc@1.2.4-4$w library -
pkg:generic/openwrt/libgcc1@12.3.0-4$w library -
EOF
)"
expect "openwrt dependencies" "$(edges openwrt)" "$(sort <<EOF
pkg:generic/openwrt/busybox@1.36.1-1$w -> pkg:generic/openwrt/libc@1.2.4-4$w
pkg:generic/openwrt/dropbear@2022.83-1$w -> pkg:generic/openwrt/libc@1.2.4-4$w
pkg:generic/openwrt/libc@1.2.4-4$w -> pkg:generic/openwrt/libgcc1@12.3.0-4$w
EOF
)"
expect "openwrt sources" "$(jq -r '[.metadata.properties[].value] | join(",")' "$WORK/openwrt/sbom.cdx.json")" \
    "usr/lib/opkg/status"
expect "openwrt firmware" "$(jq -r '.metadata.component | "\(.name) \(.version)"' "$WORK/openwrt/sbom.cdx.json")" \
    "OpenWrt 23.05.3 23.05.3"

expect "distroless components" "$(components distroless)" "$(sort <<EOF
pkg:deb/debian/base-files@12.4%2Bdeb12u5$d application sanvila@debian.org
pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1$a application -
EOF
)"
expect "distroless dependencies" "$(edges distroless)" \
    "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1$a -> pkg:deb/debian/base-files@12.4%2Bdeb12u5$d"

# ---- This machine's dpkg database --------------------------------------------------------------
host=$WORK/trees/host
mkdir -p "$host/etc" "$host/var/lib/dpkg"
cp /var/lib/dpkg/status "$host/var/lib/dpkg/status"
cp -L /etc/os-release "$host/etc/os-release"
# keel lists the packages in place: dpkg-query's status installed (i), triggers-awaited (W) or
# triggers-pending (t); counted from the same copy of the database.
installed=$(dpkg-query --admindir="$host/var/lib/dpkg" -W -f '${db:Status-Abbrev}\n' | grep -c '^.[iWt]')
ii=$(dpkg-query --admindir="$host/var/lib/dpkg" -W -f '${db:Status-Abbrev}\n' | grep -c '^ii')
audit host "$host" || { cat "$WORK/host.err" >&2; fail "host: keel audit failed"; }
listed=$(jq '.components | length' "$WORK/host/sbom.cdx.json")
expect "host components (dpkg-query: $installed installed, $ii 'ii')" "$listed" "$installed"
expect "host unique bom-refs" "$(jq '[.components[]."bom-ref"] | unique | length' "$WORK/host/sbom.cdx.json")" "$installed"
for name in dpkg base-files libc6; do
    version=$(dpkg-query --admindir="$host/var/lib/dpkg" -W -f '${Version}' "$name")
    expect "host $name version" "$(jq -r --arg n "$name" '[.components[] | select(.name == $n) | .version][0]' "$WORK/host/sbom.cdx.json")" "$version"
done

# ---- A database keel cannot read ----------------------------------------------------------------
bad=$WORK/trees/bad
cp -a "$deb" "$bad"
sed -i '0,/^Status: install ok installed$/s//Status: install ok broken/' "$bad/var/lib/dpkg/status"
mkdir -p "$WORK/bad" && echo '{"stale": true}' >"$WORK/bad/sbom.cdx.json"
if audit bad "$bad"; then
    fail "bad: keel audit succeeded on a malformed database"
fi
grep -Fq "keel audit: no SBOM of $bad: var/lib/dpkg/status: line 2: Status 'install ok broken': unknown state" \
    "$WORK/bad.err" || { cat "$WORK/bad.err" >&2; fail "bad: the error does not name the file and line"; }
[ ! -e "$WORK/bad/sbom.cdx.json" ] || fail "bad: an SBOM was left behind"
[ ! -e "$WORK/bad/report.json" ] || fail "bad: a report was written"

# ---- CycloneDX 1.5 JSON Schema -----------------------------------------------------------------
# Broken copies the validator must refuse: an unknown component type, a serial number that is
# not a UUID URN, a licence that is not an SPDX id (through the reference to spdx.schema.json),
# a component listed twice (uniqueItems); and a copy with a real SPDX id it must accept (the
# reference resolves).
jq '.components[0].type = "widget"' "$WORK/debian/sbom.cdx.json" >"$WORK/broken-type.json"
jq '.serialNumber = "urn:uuid:not-a-uuid"' "$WORK/debian/sbom.cdx.json" >"$WORK/broken-serial.json"
jq '.components[0].licenses = [{"license": {"id": "NOT-A-LICENSE"}}]' "$WORK/debian/sbom.cdx.json" >"$WORK/broken-spdx.json"
jq '.components[0].licenses = [{"license": {"id": "LGPL-2.1-or-later"}}]' "$WORK/debian/sbom.cdx.json" >"$WORK/good-spdx.json"
jq '.components += [.components[0]]' "$WORK/debian/sbom.cdx.json" >"$WORK/broken-unique.json"
/usr/bin/python3 -W ignore - "$SCHEMAS" "$WORK" <<'PY' || fail "CycloneDX 1.5 schema validation"
import json, os, sys
import jsonschema

schemas, work = sys.argv[1], sys.argv[2]
def load(path):
    with open(path) as f:
        return json.load(f)
bom = load(os.path.join(schemas, "bom-1.5.SNAPSHOT.schema.json"))
jsonschema.Draft7Validator.check_schema(bom)
# bom-1.5 names its neighbours relative to its $id (http://cyclonedx.org/schema/): served from
# the npm package's files, never fetched.
store = {bom["$id"]: bom}
for name in ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"):
    store["http://cyclonedx.org/schema/" + name] = load(os.path.join(schemas, name))
resolver = jsonschema.RefResolver.from_schema(bom, store=store)

# uniqueItems as the schema means it (JSON equality), checked in O(n log n): python3-jsonschema
# compares every pair of objects, which for this machine's ~1000 components and their
# dependencies takes most of a minute. Every other keyword is python3-jsonschema's own.
def canonical(x):
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if isinstance(x, dict):
        return {k: canonical(v) for k, v in x.items()}
    if isinstance(x, list):
        return [canonical(v) for v in x]
    return x

def unique_items(validator, unique, instance, schema):
    if not unique or not validator.is_type(instance, "array"):
        return
    seen = set()
    for i, item in enumerate(instance):
        key = json.dumps(canonical(item), sort_keys=True)
        if key in seen:
            yield jsonschema.ValidationError("item %d repeats an earlier one (uniqueItems)" % i)
            return
        seen.add(key)

Validator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"uniqueItems": unique_items})
validator = Validator(bom, resolver=resolver, format_checker=jsonschema.FormatChecker())
bad = 0
for name, want in [("debian/sbom.cdx.json", True), ("openwrt/sbom.cdx.json", True),
                   ("distroless/sbom.cdx.json", True), ("host/sbom.cdx.json", True),
                   ("good-spdx.json", True), ("broken-type.json", False),
                   ("broken-serial.json", False), ("broken-spdx.json", False),
                   ("broken-unique.json", False)]:
    errors = list(validator.iter_errors(load(os.path.join(work, name))))
    print("schema: %s: %s" % (name, "valid" if not errors else "%d error(s): %s at %s" % (
        len(errors), errors[0].message[:120], "/".join(map(str, errors[0].absolute_path)))))
    if (not errors) != want:
        print("FAIL: %s should be %s" % (name, "valid" if want else "invalid"), file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY

echo "sbom: debian, openwrt, distroless and this machine ($listed packages, dpkg-query: $installed) valid CycloneDX 1.5 in $((SECONDS - started)) s"
