"""Symbolic transition systems for ``modelcheck prove inductive`` and ``modelcheck prove bmc``."""
