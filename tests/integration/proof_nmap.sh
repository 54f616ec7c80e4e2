#!/bin/bash
# 5.6-1 proved by nmap: in a network namespace of its own (nothing else of the machine is
# seen), keeld's open ports are exactly the inbound ones 'keeld --describe' declares: every TCP
# port of 127.0.0.1 and of the namespace's other addresses (IPv4 and IPv6) is scanned, the 100
# most common UDP ports too. With the cloud link on (an unreachable broker), still nothing more.
. "$KEEL_SOURCE_DIR/tests/integration/proof_lib.sh"
proof_need nmap jq ip
[ "$(id -u)" -eq 0 ] || fail "the nmap proof needs root (a network namespace)"

proof_device
harness_netns_up "keel-proof-$$" || fail "cannot create a network namespace"
# A second address on the namespace's loopback: a service bound to 127.0.0.1 alone must not
# answer there, nor on ::1 (a wildcard bind would; --listen names one address).
other=10.253.0.1
harness_in_ns ip addr add "$other/32" dev lo || fail "cannot add $other in the namespace"
harness_in_ns ip -6 addr show dev lo | grep -q '::1/128' || fail "the namespace has no ::1"

# ports FILE PROTO: the ports nmap's XML report FILE says are in any state but closed (open,
# open|filtered, filtered), one "PORT STATE" a line, then "closed N": how many were closed.
ports() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
if root.find("runstats/finished") is None or root.find("runstats/finished").get("exit") != "success":
    sys.exit("nmap did not finish")
closed = sum(int(e.get("count")) for e in root.iter("extraports") if e.get("state") == "closed")
for p in root.iter("port"):
    state = p.find("state").get("state")
    if p.get("protocol") != sys.argv[2]:
        continue
    if state == "closed":
        closed += 1
    else:
        print(p.get("portid"), state)
print("closed", closed)
PY
}

# declared ADDRESS TRANSPORT [describe options]: the inbound ports keeld declares on ADDRESS.
declared() {
  local addr=$1 transport=$2
  shift 2
  "$KEELD_BIN" --describe --listen 127.0.0.1 --port "$port" "$@" |
    jq -r --arg a "$addr" --arg t "$transport" \
      '[.interfaces[] | select(.direction == "inbound" and .transport == $t
                               and (.address == $a or .address == "0.0.0.0" or .address == "::"))
        | .port] | sort | map(tostring) | join(" ")'
}

# tcp_scan NAME ADDRESS [describe options]: every TCP port of ADDRESS, connect scan.
tcp_scan() {
  local n=$1 addr=$2 six="" got want
  shift 2
  [[ $addr == *:* ]] && six=-6
  proof_timed "nmap -sT -p- $addr ($n)" "$work/$n.out" harness_in_ns nmap $six -sT -p- -Pn -n \
    --max-retries 1 -oX "$work/$n.xml" "$addr" || fail "$n: nmap failed: $(cat "$work/$n.out")"
  ports "$work/$n.xml" tcp >"$work/$n.ports" || fail "$n: cannot read nmap's report"
  got=$(awk '$2 == "open" { print $1 }' "$work/$n.ports" | sort -n | tr '\n' ' ' | sed 's/ $//')
  want=$(declared "$addr" tcp "$@")
  [ "$got" = "$want" ] ||
    fail "$n: open TCP ports on $addr are '$got', keeld declares '$want' ($(tr '\n' ' ' <"$work/$n.ports"))"
  # every other port answered "closed" (a refused connect): none filtered, none skipped
  [ "$(grep -v ' open$' "$work/$n.ports")" = "closed $((65535 - $(wc -w <<<"$got")))" ] ||
    fail "$n: not every other TCP port is closed: $(tr '\n' ' ' <"$work/$n.ports")"
  echo "ok: $n: open TCP ports on $addr: '${got:-none}', exactly as declared"
}

# udp_scan NAME [describe options]: the 100 most common UDP ports of 127.0.0.1. A closed UDP
# port answers ICMP port unreachable, which loopback never rate-limits: open|filtered would
# mean something swallowed the probe, and is a failure as much as open.
udp_scan() {
  local n=$1 want
  shift
  proof_timed "nmap -sU --top-ports 100 127.0.0.1 ($n)" "$work/$n.out" harness_in_ns nmap -sU \
    --top-ports 100 -Pn -n -oX "$work/$n.xml" 127.0.0.1 || fail "$n: nmap failed: $(cat "$work/$n.out")"
  ports "$work/$n.xml" udp >"$work/$n.ports" || fail "$n: cannot read nmap's report"
  want=$(declared 127.0.0.1 udp "$@")
  [ -z "$want" ] || fail "$n: keeld declares inbound UDP ports '$want'"
  [ "$(cat "$work/$n.ports")" = "closed 100" ] ||
    fail "$n: not all 100 UDP ports closed: $(tr '\n' ' ' <"$work/$n.ports")"
  echo "ok: $n: the 100 most common UDP ports of 127.0.0.1 are closed, none declared"
}

# keeld's usual port: the namespace is empty, nothing else can hold it.
port=8443
keeld_start "$work/dev"
[ "$port" -eq 8443 ] || fail "keeld did not start on 8443 in the namespace"
[ -n "$(declared 127.0.0.1 tcp)" ] || fail "keeld --describe declares no inbound TCP port"
tcp_scan tcp-local 127.0.0.1
tcp_scan tcp-other "$other"
tcp_scan tcp-v6 ::1
udp_scan udp-local
keeld_stop

# The cloud link: outbound only, so an unreachable broker adds no open port.
"$KEELD_BIN" --describe --listen 127.0.0.1 --port "$port" --mqtt 127.0.0.1:1 |
  jq -e '[.interfaces[] | select(.direction == "outbound")] | length >= 1' >/dev/null ||
  fail "keeld --describe --mqtt declares no outbound interface"
keeld_start "$work/dev" --mqtt 127.0.0.1:1 --mqtt-ca "$work/ca/ca.pem"
tcp_scan tcp-mqtt 127.0.0.1 --mqtt 127.0.0.1:1
udp_scan udp-mqtt --mqtt 127.0.0.1:1
kill -0 "$keeld_pid" 2>/dev/null || fail "keeld with an unreachable broker died"
keeld_stop
echo "PASS: nmap sees exactly the ports keeld declares, with and without the cloud link"
