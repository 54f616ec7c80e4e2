# keeld's cloud link: MQTT over mutual TLS with a real mosquitto (5.5-1, 5.5-7, 5.8-2).
keel_script_test(NAME keeld_mqtt MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_mqtt.sh)
