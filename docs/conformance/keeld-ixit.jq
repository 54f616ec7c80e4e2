# keeld's IXIT for keel audit: `keeld --describe` (its interfaces and routes) completed with
# docs/conformance/keeld-ixit.json (what each route takes, security.txt, where the support period
# and model are published), and a laboratory's "outage" hook when one is given:
#   keeld --describe ... | jq --slurpfile x docs/conformance/keeld-ixit.json \
#       --argjson outage "$OUTAGE_JSON_OR_null" -f docs/conformance/keeld-ixit.jq
# A route the file does not describe keeps what --describe says (the conceptual 5.13-1B-1
# then names it); a route input --describe already prints wins over the file.
($x[0]) as $x
| .routes |= map(. as $r
    | ([$x.route_inputs[] | select(.method == $r.method and .path == $r.path)
        | {max_body, body} | with_entries(select(.value != null))][0] // {}) + $r)
| . + ($x | del(.route_inputs))
| if $outage != null then . + {outage: $outage} else . end
