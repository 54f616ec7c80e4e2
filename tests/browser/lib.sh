# Shared by the browser tests (source it first): Debian's Chromium and playwright-core must be
# installed (scripts/bootstrap); without them the test is skipped (exit 77), saying which.
# Sets here (this directory).
# shellcheck shell=bash
here=$KEEL_SOURCE_DIR/tests/browser
chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  echo "SKIP: no $chromium (Debian's chromium package; scripts/bootstrap installs it)"
  exit 77
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "SKIP: no $here/node_modules/playwright-core (scripts/bootstrap runs npm ci there)"
  exit 77
fi
command -v node >/dev/null || { echo "FAIL: node is not installed (scripts/bootstrap)"; exit 1; }
