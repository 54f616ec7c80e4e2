# keel release, the release team's tool (5.3-2, 5.3-7, 5.3-10, 5.3-11, 5.3-12): the repository
# made, staged, published, rotated and checked; tampering and bad input refused.
keel_script_test(NAME release_cli MODULE update KIND integration TIMEOUT 120
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/release_cli.sh)
