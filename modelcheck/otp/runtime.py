"""Real Erlang/OTP on this machine: find it, compile a driver, run it, read what it printed.

A driver is an Erlang module with ``main/1`` that starts its own nodes (``peer``) and prints
one JSON object a line; the first line says which OTP it ran on. Everything runs on
127.0.0.1: the driver's nodes are told to listen there, and ``epmd`` (started by the first
node, if it is not running) is told so through ``ERL_EPMD_ADDRESS``.

>>> parse_lines('noise\\n{"otp": "25"}\\n{"run": 1}\\n')
[{'otp': '25'}, {'run': 1}]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelcheckError

__all__ = ["LIBRARY", "ErlangMissing", "Otp", "OtpRunError", "find_otp", "parse_lines"]

#: What every driver may call (starting nodes, partitions, JSON lines): compiled with it.
LIBRARY = Path(__file__).with_name("otp_nodes.erl")

_VERSION = (
    "R = erlang:system_info(otp_release), "
    'F = filename:join([code:root_dir(), "releases", R, "OTP_VERSION"]), '
    "V = case file:read_file(F) of {ok, B} -> string:trim(B); _ -> R end, "
    'io:format("~s~n", [V]), halt().'
)


class ErlangMissing(ModelcheckError):
    """Erlang/OTP (``erl`` and ``erlc``) is not installed: install it (Debian: ``apt-get
    install erlang-nox``) to run models on real nodes."""


class OtpRunError(ModelcheckError):
    """A driver failed on the real nodes (it exited non-zero or printed nothing)."""


@dataclass(frozen=True)
class Otp:
    """An Erlang/OTP installation: its ``erl`` and ``erlc``, and its version (``25.2.3``)."""

    erl: str
    erlc: str
    version: str

    def compile(self, source: Path, into: Path) -> None:
        """Compile ``source`` (an ``.erl`` file) into the folder ``into``."""
        done = subprocess.run(
            [self.erlc, "-o", str(into), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            first = (done.stdout + done.stderr).strip().splitlines()[:1]
            raise OtpRunError(f"erlc {source.name} failed: {' '.join(first) or 'no output'}")

    def run(self, source: Path, args: list[str], *, timeout: float = 600.0) -> list[dict[str, Any]]:
        """Compile the driver ``source`` (with :data:`LIBRARY`) into a temporary folder, run
        ``main(args)`` on a controller node, and return the JSON objects it printed (the
        first: its OTP)."""
        module = source.stem
        with tempfile.TemporaryDirectory(prefix="modelcheck-otp-") as tmp:
            self.compile(LIBRARY, Path(tmp))
            self.compile(source, Path(tmp))
            quoted = ", ".join(json.dumps(a) for a in args)
            env = dict(os.environ, ERL_EPMD_ADDRESS="127.0.0.1")
            try:
                done = subprocess.run(
                    [self.erl, "-noshell", "-pa", tmp, "-eval", f"{module}:main([{quoted}])."],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    env=env,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise OtpRunError(
                    f"{module} {' '.join(args)}: no answer in {timeout:g} s"
                ) from None
        lines = parse_lines(done.stdout)
        if done.returncode != 0 or not lines:
            why = (done.stderr.strip().splitlines() or ["no output"])[0]
            raise OtpRunError(f"{module} {' '.join(args)} failed on OTP {self.version}: {why}")
        return lines


def parse_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects among ``text``'s lines (a node may print other things too)."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                found.append(value)
    return found


def find_otp() -> Otp:
    """The Erlang/OTP on the PATH, or :class:`ErlangMissing`."""
    erl, erlc = shutil.which("erl"), shutil.which("erlc")
    if erl is None or erlc is None:
        raise ErlangMissing(
            "Erlang/OTP is not installed here (no erl or erlc on the PATH): install it, "
            "e.g. apt-get install erlang-nox"
        )
    done = subprocess.run(
        [erl, "-noshell", "-eval", _VERSION], capture_output=True, text=True, check=False
    )
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        raise ErlangMissing(f"{erl} does not start: {done.stderr.strip() or 'no output'}")
    return Otp(erl, erlc, version)
