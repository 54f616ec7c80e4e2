/* The kind of this libkeel build as a marker string in every binary that links it, so that
 * an assessor can tell from a firmware image alone whether a development build (debug paths,
 * the file root of trust) is about to ship (EN 303 645 5.6-4 / 5.6-4A; keel audit's
 * white-box test looks for it). KEEL_PRODUCTION comes from cmake/KeelFlags.cmake. */
#include "keel/core.h"

#if KEEL_PRODUCTION
__attribute__((used)) const char keel_build_kind[] = "keel-build-kind: production";
#else
__attribute__((used)) const char keel_build_kind[] = "keel-build-kind: development";
#endif
