#!/usr/bin/env bash
# 5.1-2-2 (and 5.1-1-2's uniqueness unit) from a batch of label files: a batch with one
# password on two devices and one derived from its serial fails, a batch of random
# passwords over keel's label alphabet passes, unreadable input is inconclusive.
. "$(dirname "$0")/lib.sh"

unique="$(openssl rand -hex 16)"
weak_device 8443 dev --accept "$unique" --guard

# labels DIR N: N labels with random passwords in keel's format (15 symbols + 1, groups of 4).
labels() {
  mkdir -p "$1"
  /usr/bin/python3 - "$1" "$2" <<'PY'
import secrets, sys
alphabet = "23456789ACDEFGHJKMNPQRTUVWXY"
for i in range(int(sys.argv[2])):
    serial = "KL%012X" % secrets.randbits(48)
    pw = "".join(secrets.choice(alphabet) for _ in range(16))
    pw = "-".join(pw[k:k + 4] for k in range(0, 16, 4))
    with open("%s/%s.txt" % (sys.argv[1], serial), "w") as f:
        f.write("keel device label\nmodel:    keel-lock\nserial:   %s\npassword: %s\n" % (serial, pw))
PY
}

labels "$WORK/good" 40
run_audit good 0 --target 127.0.0.1:8443 --labels "$WORK/good"
jq_expect good "$(provision 5.1-2) | .verdict == \"PASS\""
jq_expect good "$(provision 5.1-2) | .tests[0].evidence | any(. == \"40 labels: 0 share a password, 0 derive it from their serial or MAC\")"
jq_expect good "$(provision 5.1-2) | .tests[0].evidence | any(test(\"^640 symbols in all, 28 distinct; shortest password 16 symbols: about 76.9 bits\"))"
jq_expect good "$(provision 5.1-2) | .tests[0].evidence | any(test(\"consistent with uniform\$\"))"
jq_expect good "$(provision 5.1-1) | .verdict == \"PASS\""
jq_expect good "$(provision 5.1-1) | .tests[0].evidence | any(. == \"batch of 40 labels: every device has its own password\")"
# No password from the labels reaches the report.
sed -n 's/^password: *//p' "$WORK"/good/*.txt >"$WORK/good-passwords"
! grep -qFf "$WORK/good-passwords" "$WORK/good/report.json" || fail "a label password is in the report"

# The weak batch: one password on two devices, one password made from its serial.
labels "$WORK/weak" 6
set -- "$WORK"/weak/*.txt
pw=$(sed -n 's/^password: *//p' "$1")
sed -i "s/^password: .*/password: $pw/" "$2"
serial=$(sed -n 's/^serial: *//p' "$3")
sed -i "s/^password: .*/password: ${serial:2:8}-XY/" "$3"
run_audit weak 3 --target 127.0.0.1:8443 --labels "$WORK/weak"
jq_expect weak "$(provision 5.1-2) | .verdict == \"FAIL\""
jq_expect weak "$(provision 5.1-2) | .tests[0].evidence | any(. == \"'$(basename "$1")' and '$(basename "$2")' carry the same password\")"
jq_expect weak "$(provision 5.1-2) | .tests[0].evidence | any(. == \"'$(basename "$3")': the password holds a run of 6 or more characters of its serial\")"
jq_expect weak "$(provision 5.1-2) | .tests[0].evidence | any(startswith(\"chi-square test not run\"))"
jq_expect weak "$(provision 5.1-1) | .verdict == \"FAIL\""
jq_expect weak "$(provision 5.1-1) | .tests[0].evidence | any(. == \"batch of 6 labels: 2 devices share their password with another device (see 5.1-2-2)\")"

# A label without a password line: the batch cannot be judged.
mkdir -p "$WORK/broken"
printf 'serial: X1\n' >"$WORK/broken/X1.txt"
printf 'serial: X2\npassword: AAAA\n' >"$WORK/broken/X2.txt"
run_audit broken 0 --target 127.0.0.1:8443 --labels "$WORK/broken"
jq_expect broken "$(provision 5.1-2) | .verdict == \"INCONCLUSIVE\""
jq_expect broken "$(provision 5.1-2) | .tests[0].evidence | any(contains(\"'X1.txt': \"))"
# Not a directory: refused before anything is probed.
rc=0
in_ns "$KEEL_BIN" audit --target 127.0.0.1:8443 --labels "$WORK/none" --out "$WORK/x" \
  >"$WORK/x.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "is not a directory" "$WORK/x.log" || fail "--labels missing: exit $rc"
echo "PASS: audit labels (5.1-2)"
