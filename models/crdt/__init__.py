"""CRDTs written once in modelcheck.symbolic's vocabulary: concrete implementations that
``modelcheck prove crdt`` proves correct for every state (or refutes, for the buggy ones)."""
