"""Supervision across a cluster as actor systems: Horde.DynamicSupervisor, Highlander."""
