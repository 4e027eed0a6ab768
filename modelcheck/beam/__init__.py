"""OTP's building blocks as library code on top of the actor layer: gen_server (call, cast,
reply, postpone), gen_statem's postpone, supervisor, pg. Each module says what it
simplifies against OTP."""

from modelcheck.beam.gen_server import (
    CallTimeout,
    Ctx,
    From,
    GenCall,
    GenCast,
    GenReply,
    GenServer,
    GenState,
    NoReply,
    Reply,
)

__all__ = [
    "CallTimeout",
    "Ctx",
    "From",
    "GenCall",
    "GenCast",
    "GenReply",
    "GenServer",
    "GenState",
    "NoReply",
    "Reply",
]
