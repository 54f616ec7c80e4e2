# Shared by the keel provision scripts (source after scripts/harness.sh): a test CA made at
# test time, and the checks every provisioned device must pass.
# shellcheck shell=bash

CHECK=$KEEL_BUILD_DIR/tests/integration/keel_test_provision
[ -x "$CHECK" ] || { echo "FAIL: $CHECK is not built"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }
mode() { stat -c %a "$1"; }
field() { sed -n "s/^$1: *//p" "$2"; }

# make_ca DIR [BASIC_CONSTRAINTS [KEY_USAGE]]: DIR/ca.pem and DIR/ca.key, a P-256 CA valid
# 20 years (by default basicConstraints critical,CA:TRUE and keyUsage keyCertSign, cRLSign).
make_ca() {
  local dir=$1 bc=${2:-critical,CA:TRUE} ku=${3:-critical,keyCertSign,cRLSign}
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7300 \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -subj "/CN=keel test manufacturer CA/O=keel test" \
    -addext "basicConstraints=$bc" -addext "keyUsage=$ku" 2>"$dir/openssl.err" ||
    fail "openssl cannot make the test CA: $(cat "$dir/openssl.err")"
}

# make_expired_ca DIR: a CA certificate valid only in 2020 (openssl ca sets past dates).
make_expired_ca() {
  local dir=$1
  mkdir -p "$dir"
  printf '%s\n' '[ca]' 'default_ca = d' '[d]' "database = $dir/index.txt" \
    "new_certs_dir = $dir" "serial = $dir/serial" 'default_md = sha256' 'policy = p' \
    'x509_extensions = v3' '[p]' 'commonName = supplied' '[v3]' \
    'basicConstraints = critical,CA:TRUE' 'keyUsage = critical,keyCertSign,cRLSign' \
    >"$dir/ca.cnf"
  : >"$dir/index.txt"
  echo 01 >"$dir/serial"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" \
    -out "$dir/ca.csr" -subj "/CN=keel expired CA" 2>/dev/null &&
    openssl ca -batch -config "$dir/ca.cnf" -selfsign -keyfile "$dir/ca.key" -in "$dir/ca.csr" \
      -out "$dir/ca.pem" -startdate 20200101000000Z -enddate 20210101000000Z -notext \
      >/dev/null 2>&1 || fail "openssl cannot make the expired test CA"
}

# sha256_der CERT: lower-case hex SHA-256 of the certificate's DER.
sha256_der() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
# colon_fp HEX: AB:CD:... as printed on the label.
colon_fp() { echo "${1^^}" | sed 's/../&:/g; s/:$//'; }

# check_device SPEC DATA LABEL.txt LABEL.png CA.pem MODEL: everything a provisioned device
# must be (5.1-1, 5.1-2, 5.4-1).
check_device() {
  local spec=$1 data=$2 label=$3 png=$4 ca=$5 model=$6
  local pw serial f lc
  pw=$(field password "$label")
  serial=$(field serial "$label")
  [[ $pw =~ ^[2-9ACDEFGHJKMNPQRTUVWXY]{4}(-[2-9ACDEFGHJKMNPQRTUVWXY]{4}){3}$ ]] ||
    fail "label password '$pw' is not four groups of four from the alphabet"
  [ "$(field model "$label")" = "$model" ] || fail "label model"
  # modes: the data dir and the root of trust's dir private, secrets 0600
  [ "$(mode "$data")" = 700 ] || fail "$data mode $(mode "$data")"
  [ "$(mode "$data/rot")" = 700 ] || fail "$data/rot mode"
  for f in identity.json device-key.pem store.kst; do
    [ "$(mode "$data/$f")" = 600 ] || fail "$data/$f mode $(mode "$data/$f")"
  done
  for f in "$data"/rot/*; do
    [ "$(mode "$f")" = 600 ] || fail "$f mode $(mode "$f")"
  done
  [ "$(mode "$label")" = 600 ] || fail "label mode"
  [ "$(mode "$png")" = 600 ] || fail "QR code mode"
  # identity.json: public facts only, no password hash any more
  jq -e --arg s "$serial" --arg m "$model" --arg r "${spec%%:*}" \
    '.format == 2 and .serial == $s and .model == $m and .rot == $r
     and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
     and (keys | length) == 5' "$data/identity.json" >/dev/null ||
    fail "identity.json content: $(cat "$data/identity.json")"
  # the password, in any form, is in no file of the data directory
  lc=${pw,,}
  for f in "$pw" "${pw//-/}" "$lc" "${lc//-/}"; do
    if grep -rqiF -- "$f" "$data"; then fail "label password found in $data"; fi
  done
  if grep -rqa argon2 "$data"; then fail "a readable password hash in $data"; fi
  # the identity certificate: chains to the CA, names the device, is what the label prints
  openssl verify -CAfile "$ca" "$data/identity-cert.pem" >/dev/null ||
    fail "identity certificate does not chain to the CA"
  cmp -s "$ca" "$data/ca.pem" || fail "ca.pem is not the CA chain"
  openssl verify -CAfile "$data/ca.pem" -purpose sslclient "$data/identity-cert.pem" >/dev/null ||
    fail "identity certificate is not for TLS clients"
  openssl x509 -in "$data/identity-cert.pem" -noout -subject -nameopt RFC2253 |
    grep -qx "subject=serialNumber=$serial,O=$model,CN=$serial" || fail "identity subject"
  openssl x509 -in "$data/identity-cert.pem" -noout -text >"$data.text"
  grep -q "Version: 3" "$data.text" && grep -A1 "Basic Constraints: critical" "$data.text" |
    grep -q "CA:FALSE" && grep -A1 "Key Usage: critical" "$data.text" |
    grep -q "Digital Signature" && grep -q "TLS Web Client Authentication" "$data.text" &&
    grep -q "Subject Key Identifier" "$data.text" &&
    grep -q "Authority Key Identifier" "$data.text" &&
    grep -q "Signature Algorithm: ecdsa-with-SHA256" "$data.text" ||
    fail "identity certificate extensions: $(cat "$data.text")"
  rm -f "$data.text"
  local serialno
  serialno=$(openssl x509 -in "$data/identity-cert.pem" -noout -serial | cut -d= -f2)
  [ ${#serialno} -eq 32 ] || fail "certificate serial number $serialno is not 128 bits"
  local days
  days=$(( ($(date -d "$(openssl x509 -in "$data/identity-cert.pem" -noout -enddate | cut -d= -f2)" +%s) \
          - $(date +%s)) / 86400 ))
  [ "$days" -ge 3648 ] && [ "$days" -le 3650 ] || fail "identity certificate valid $days days"
  [ "$(field "identity certificate SHA-256" "$label")" = \
    "$(colon_fp "$(sha256_der "$data/identity-cert.pem")")" ] || fail "label identity fingerprint"
  [ "$(field "HTTPS certificate SHA-256" "$label")" = \
    "$(colon_fp "$(sha256_der "$data/device-cert.pem")")" ] || fail "label HTTPS fingerprint"
  # its public key is the root of trust's identity key, which signs
  "$CHECK" identity "$spec" "$data" >/dev/null || fail "identity key check of $data"
  # the store holds the hash that verifies the label password (typed loosely)
  "$CHECK" store "$spec" "$data" "${lc//-/ }" >/dev/null || fail "store check of $data"
  # the QR code encodes the setup URI
  "$CHECK" qr "$png" "keel:setup?v=1&serial=$serial&pw=$pw&fp=$(sha256_der "$data/device-cert.pem")" \
    >/dev/null || fail "QR code of $data"
}
