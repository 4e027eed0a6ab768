#!/bin/sh
# Installs headless Chromium (Debian's chromium package) where it is missing, for the HTML
# report's browser test. Where it cannot be installed, says so; the test is then skipped.
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    $SUDO apt-get update -qq >/dev/null && \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null && exit 0
  fi
fi
echo "note: Chromium is not installed and could not be installed here (apt-get install" \
     "chromium); the HTML report's browser test will be skipped." >&2
exit 0
