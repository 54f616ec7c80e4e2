# keeld's IXIT for keel audit: `keeld --describe` (its interfaces, routes and data inventory)
# completed with docs/conformance/keeld-ixit.json (what each route takes, security.txt, where the
# support period and model are published, deletion, the consent check, the owner's documents),
# a laboratory's "outage" hook when one is given, and the laboratory's MQTT observer for the
# consent check when one is given:
#   keeld --describe ... | jq --slurpfile x docs/conformance/keeld-ixit.json \
#       --argjson outage "$OUTAGE_JSON_OR_null" [--argjson consent_mqtt "$MQTT_JSON"] \
#       -f docs/conformance/keeld-ixit.jq
# A route the file does not describe keeps what --describe says (the conceptual 5.13-1B-1
# then names it); a route input --describe already prints wins over the file.
# personal_data (21-PersData), telemetry (24-TelData) and sensing (22-ExtSens) come from the data
# inventory keeld prints as "privacy" (data/privacy/keeld-inventory.json, compiled in), which
# is then left out; the data the file names in "sensitive_data" are marked "sensitive": true
# (5.8-2); every other table of TS 103 701 (1-AuthMech .. 29-InpVal) is the file's own; consent_check is given only with consent_mqtt ({"host","port","ca","cert",
# "key","topic"}: the laboratory's broker and files), which becomes its observe.mqtt.
($x[0]) as $x
| (.privacy // error("keeld --describe printed no \"privacy\" member (the data inventory)")) as $p
| ($ARGS.named.consent_mqtt // null) as $mqtt
| .routes |= map(. as $r
    | ([$x.route_inputs[] | select(.method == $r.method and .path == $r.path)
        | {max_body, body} | with_entries(select(.value != null))][0] // {}) + $r)
| del(.privacy)
| . + ($x | del(.route_inputs, .consent_check, .sensitive_data))
| ($x.sensitive_data // []) as $sensitive
| . + {
    personal_data: {
      controller: $p.controller,
      data: [$p.data[] | {id, datum, purpose, legal_basis, retention, retention_days, recipients,
                          stored, sealed, consent_purpose}
             + (if .id | IN($sensitive[]) then {sensitive: true} else {} end)],
      consent: [$p.consent[] | {purpose, description, default, route}]
    },
    telemetry: ($p.telemetry | {topic, recipient, purpose, examined_by,
                                fields: [.fields[] | {name, meaning, personal}]}),
    sensing: [$p.sensing[] | {capability, what, documented_in}]
  }
| if $outage != null then . + {outage: $outage} else . end
| if $mqtt != null then . + {consent_check: ($x.consent_check + {observe: {mqtt: $mqtt}})}
  else . end
