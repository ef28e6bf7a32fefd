#!/usr/bin/env bash
# The browser tests (tests/review/test_browser.py) drive the system's Chromium with Selenium: install Debian's
# chromium and chromium-driver with apt when they are missing (needs root, as on the project's machines).
# Idempotent: with both installed it does nothing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
