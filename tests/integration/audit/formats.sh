#!/usr/bin/env bash
# keel audit's Markdown, SARIF 2.1.0 and JUnit XML reports, read by the tools that consume them:
# xmllint (libxml2) parses the JUnit XML, jq reads the SARIF, and cmark-gfm (GitHub's own
# Markdown renderer) renders the Markdown to HTML; each must say exactly what report.json says,
# with nothing a device wrote turned into markup. Once on a report with every verdict and
# hostile evidence (render_formats), once on a real `keel audit --format ...` against a closed
# loopback port. Needs no device and no root.
set -euo pipefail
: "${KEEL_BIN:?}" "${RENDER_FORMATS:?}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-audit-formats.XXXXXX")"
hold=
trap '[ -z "$hold" ] || kill "$hold" 2>/dev/null; rm -rf "$WORK"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
for tool in xmllint jq cmark-gfm python3; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/bootstrap installs it)"
done

same() { # WHAT GOT WANT
    [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# JUnit: well-formed; a testcase per test case and one per provision without any; FAIL a
# failure, N/A, INCONCLUSIVE and NOT TESTED skipped; a suite per section; each failure's text
# is its evidence, exactly.
check_junit() {
    local x=$1/report.junit.xml j=$1/report.json want id
    xmllint --noout "$x" || fail "$x is not well-formed XML"
    want=$(jq '[.provisions[] | [(.tests | length), 1] | max] | add' "$j")
    same "JUnit testcases" "$(xmllint --xpath 'count(/testsuites/testsuite/testcase)' "$x")" "$want"
    same "JUnit tests=" "$(xmllint --xpath 'string(/testsuites/@tests)' "$x")" "$want"
    want=$(jq '[.provisions[].tests[] | select(.verdict == "FAIL")] | length' "$j")
    same "JUnit failures" "$(xmllint --xpath 'count(//testcase/failure)' "$x")" "$want"
    same "JUnit failures=" "$(xmllint --xpath 'string(/testsuites/@failures)' "$x")" "$want"
    want=$(jq '[.provisions[] | if (.tests | length) == 0 then 1 else
                ([.tests[] | select(.verdict == "N/A" or .verdict == "INCONCLUSIVE")] | length)
                end] | add' "$j")
    same "JUnit skipped" "$(xmllint --xpath 'count(//testcase/skipped)' "$x")" "$want"
    same "JUnit suites" "$(xmllint --xpath 'count(/testsuites/testsuite)' "$x")" \
        "$(jq '[.provisions[].section] | unique | length' "$j")"
    for id in $(jq -r '.provisions[].tests[] | select(.verdict == "FAIL") | .id' "$j"); do
        same "JUnit failure text of $id" \
            "$(xmllint --xpath "string(//testcase[@name='$id']/failure)" "$x")" \
            "$(jq -r --arg id "$id" '.provisions[].tests[] | select(.id == $id) |
                                     .evidence | join("\n")' "$j")"
    done
}

# SARIF: 2.1.0, one run of keel audit; a rule per test case described by its provision; a result
# per FAIL (error for M, warning for R) and INCONCLUSIVE (note) test case with the evidence as
# its message, pointing at its rule and at the target.
check_sarif() {
    local s=$1/report.sarif j=$1/report.json
    jq -e '.version == "2.1.0" and (."$schema" | endswith("/sarif-schema-2.1.0.json")) and
           (.runs | length) == 1 and .runs[0].tool.driver.name == "keel audit"' "$s" >/dev/null ||
        fail "SARIF header"
    same "SARIF rules" \
        "$(jq -c '[.runs[0].tool.driver.rules[] | {id, text: .shortDescription.text,
                   provision: .properties.provision, kind: .properties.kind,
                   mandatory: .properties.mandatory}]' "$s")" \
        "$(jq -c '[.provisions[] | . as $p | .tests[] | {id, text: $p.requirement,
                   provision: $p.id, kind, mandatory: $p.mandatory}]' "$j")"
    same "SARIF results" \
        "$(jq -c '[.runs[0].results[] | {id: .ruleId, level, message: .message.text}]' "$s")" \
        "$(jq -c '[.provisions[] | . as $p | .tests[] |
                   select(.verdict == "FAIL" or .verdict == "INCONCLUSIVE") |
                   {id, level: (if .verdict == "INCONCLUSIVE" then "note"
                                elif $p.mandatory then "error" else "warning" end),
                    message: (if (.evidence | length) == 0 then "(no evidence recorded)"
                              else (.evidence | join("\n")) end)}]' "$j")"
    jq -e --arg t "$(jq -r .target "$j")" '.runs[0] as $r | all($r.results[];
           $r.tool.driver.rules[.ruleIndex].id == .ruleId and
           .locations[0].logicalLocations[0].name == $t)' "$s" >/dev/null ||
        fail "SARIF ruleIndex or location"
}

# Markdown as GitHub renders it (raw HTML let through, so that any that got in would show): only
# the elements the writer makes, a provision row per provision with its verdict, and every
# evidence line, in order, as the exact text of one code element in the Evidence column.
check_markdown() {
    cmark-gfm --unsafe -e table -e autolink -e strikethrough -e tagfilter "$1/report.md" \
        >"$1/report.md.html"
    python3 - "$1/report.md.html" "$1/report.json" <<'EOF'
import html.parser, json, sys

ALLOWED = {"h1", "h2", "h3", "p", "ul", "li", "code", "table", "thead", "tbody", "tr", "th", "td"}

class Tables(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad, self.tables, self.row, self.cell, self.code = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED or any(name != "align" for name, _ in attrs):
            self.bad.append((tag, attrs))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = {"text": "", "codes": []}
        elif tag == "code" and self.cell is not None:
            self.code = ""

    def handle_endtag(self, tag):
        if tag == "tr":
            self.tables[-1].append(self.row)
            self.row = None
        elif tag in ("td", "th"):
            self.row.append(self.cell)
            self.cell = None
        elif tag == "code" and self.code is not None:
            self.cell["codes"].append(self.code)
            self.code = None

    def handle_data(self, data):
        if self.code is not None:
            self.code += data
        if self.cell is not None:
            self.cell["text"] += data

def fail(why):
    sys.exit("FAIL: Markdown: " + why)

page = Tables()
page.feed(open(sys.argv[1], encoding="utf-8").read())
report = json.load(open(sys.argv[2], encoding="utf-8"))
if page.bad:
    fail("markup the writer does not make: %r" % page.bad[:3])
heads = {"provision": ["Provision", "Status", "Requirement", "Verdict", "Test cases"],
         "evidence": ["Test case", "Kind", "Verdict", "Evidence"]}
rows = {"provision": [], "evidence": []}
for table in page.tables:
    head = [c["text"] for c in table[0]]
    for kind, want in heads.items():
        if head == want:
            for row in table[1:]:
                if len(row) != len(want):
                    fail("a row of %d cells in a table of %d" % (len(row), len(want)))
                rows[kind].append(row)
got = [(r[0]["text"], r[3]["text"], r[4]["text"]) for r in rows["provision"]]
want = [(p["id"], p["verdict"], str(len(p["tests"]))) for p in report["provisions"]]
if got != want:
    fail("provision rows differ from report.json")
got = [code for r in rows["evidence"] for code in r[3]["codes"]]
want = [line for p in report["provisions"] for t in p["tests"] for line in t["evidence"] if line]
if got != want:
    for g, w in zip(got + [None] * len(want), want + [None] * len(got)):
        if g != w:
            fail("evidence %r shown as %r" % (w, g))
if any(len(r[3]["codes"]) > 1 or r[3]["text"] != "".join(r[3]["codes"]) for r in rows["evidence"]):
    fail("an evidence cell holds more than its code span")
EOF
}

check_all() {
    check_junit "$1"
    check_sarif "$1"
    check_markdown "$1"
}

# 1. Every verdict and hostile evidence.
mkdir "$WORK/hostile"
"$RENDER_FORMATS" "$WORK/hostile"
check_all "$WORK/hostile"
# U+FFFE is no XML character: JUnit shows it as the evidence layer shows control characters.
xmllint --xpath "string(//testcase[@name='5.5-1-2']/skipped)" "$WORK/hostile/report.junit.xml" |
    grep -qF 'probe cut short \ufffe <retry>' || fail "U+FFFE not written as \\ufffe in JUnit"
same "SARIF levels" "$(jq -c '[.runs[0].results[].level]' "$WORK/hostile/report.sarif")" \
    '["error","error","note","warning"]'

# 2. keel audit itself: --format lists any of the five, each written to its file in --out.
# A port bound (so that nothing else takes it) but not listening: connections are refused.
python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$WORK/port" &
hold=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
port=$(cat "$WORK/port")
[ -n "$port" ] || fail "no free loopback port"
rc=0
"$KEEL_BIN" audit --target "127.0.0.1:$port" --only 5.5-1 --format sarif,md,junit,json \
    --out "$WORK/cli" >"$WORK/cli.log" 2>&1 || rc=$?
# Nothing answers on the port: 5.5-1-2 (mandatory) fails, exit 3.
[ "$rc" = 3 ] || { cat "$WORK/cli.log" >&2; fail "keel audit exited $rc, expected 3"; }
same "files of --format sarif,md,junit,json" "$(ls "$WORK/cli" | tr '\n' ' ')" \
    "report.json report.junit.xml report.md report.sarif "
grep -qx "report: $WORK/cli/report.junit.xml" "$WORK/cli.log" || fail "report path not printed"
same "5.5-1-2 in JUnit" \
    "$(xmllint --xpath 'count(//testcase[@name="5.5-1-2"]/failure)' "$WORK/cli/report.junit.xml")" 1
check_all "$WORK/cli"
rc=0
"$KEEL_BIN" audit --target "127.0.0.1:$port" --only 5.5-1 --format junit --out "$WORK/one" \
    >/dev/null 2>&1 || rc=$?
same "exit status" "$rc" 3
same "files of --format junit" "$(ls "$WORK/one")" "report.junit.xml"
for bad in md,,junit ,md markdown md,sarif,xml; do
    rc=0
    "$KEEL_BIN" audit --target "127.0.0.1:$port" --format "$bad" --out "$WORK/bad" \
        >"$WORK/bad.log" 2>&1 || rc=$?
    same "exit status of --format $bad" "$rc" 2
    grep -q -- "--format takes a comma list of json, html, md, sarif, junit" "$WORK/bad.log" ||
        fail "--format $bad refused without its reason"
done
[ ! -e "$WORK/bad" ] || fail "files written for a bad --format"
echo "PASS: audit formats (Markdown, SARIF, JUnit read back by cmark-gfm, jq, xmllint)"
