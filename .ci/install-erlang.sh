#!/bin/sh
# Installs Erlang/OTP (Debian's erlang-nox) where it is missing, for the BEAM conformance
# tests (tests/beam/) and `modelcheck otp-replay`. Where it cannot be installed, says so;
# those tests are then skipped, saying why.
if command -v erl >/dev/null 2>&1 && command -v erlc >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    $SUDO apt-get update -qq >/dev/null && \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq erlang-nox >/dev/null && exit 0
  fi
fi
echo "note: Erlang/OTP is not installed and could not be installed here (apt-get install" \
     "erlang-nox); the BEAM conformance tests will be skipped." >&2
exit 0
