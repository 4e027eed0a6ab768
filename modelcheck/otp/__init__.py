"""Real Erlang/OTP nodes: running drivers on them (``runtime``) and replaying a model's
counterexample there (``replay``)."""

from modelcheck.otp.runtime import ErlangMissing, Otp, OtpRunError, find_otp, parse_lines

__all__ = ["ErlangMissing", "Otp", "OtpRunError", "find_otp", "parse_lines"]
