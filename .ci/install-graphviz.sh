#!/bin/sh
# Installs Graphviz's `dot` where it is missing. Without it modelcheck still writes text, JSON
# and DOT files; only the SVG and PNG pictures need it.
if command -v dot >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq graphviz >/dev/null && exit 0
  fi
fi
if command -v brew >/dev/null 2>&1; then brew install graphviz && exit 0; fi
echo "note: Graphviz 'dot' is not installed and could not be installed here;" \
     "install it (apt-get install graphviz, brew install graphviz) for SVG/PNG charts." >&2
exit 0
