# keel audit against real peers (openssl s_server, the weak_device fixture, python's
# http.server) in a network namespace each script makes and removes (needs root).
foreach(scenario tls credentials ports cli)
  keel_script_test(NAME audit_${scenario} MODULE audit KIND integration
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/${scenario}.sh TIMEOUT 180)
endforeach()
