"""Global process registries as actor systems: Erlang's :global, Horde.Registry, syn."""
