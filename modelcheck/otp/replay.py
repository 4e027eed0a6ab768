"""Replaying a counterexample of the :global model on real Erlang nodes.

A model declares its real counterpart with a class attribute ``otp_counterpart``; today
only ``"global"`` exists (``models/registry/global_registry.py``: every node runs :global
and one process that registers the name ``n``). The trace's steps (their structure, see
:mod:`modelcheck.actors.steps`) become a schedule: partitions, cuts, heals, node crashes and
registrations (a process's ``register_name`` call reaching its node's name server) are
*forced*, in order; other deliveries, runtime signals and timers are internal to OTP (or
to the process before it calls), which cannot be forced: they are *recorded* and the
controller lets them settle before it looks. A restart, or a message the network drops or
duplicates, has no real counterpart that can be forced here: such a trace is refused.

After the start and after each forced step, the real nodes' *view* (per running node: its
process idle, registering, registered, refused, killed or notified; who ``n`` is registered
to; whom it is connected to) is compared with the model's at the same point: the state just
before the next forced step, or any state the model reaches from it by internal steps alone
(the real nodes settle further than the trace needed to go). A run *reproduces* the trace
when every view matches; otherwise it *diverged* at the first forced step whose view does
not.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelcheck.actors import ActorSystem
from modelcheck.actors.steps import describe
from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.otp.runtime import Otp, OtpRunError
from modelcheck.trace import Trace

__all__ = [
    "DRIVER",
    "Checkpoint",
    "NoRealCounterpart",
    "OtpReplay",
    "RunResult",
    "Schedule",
    "model_view",
    "replay_on_otp",
    "schedule_of",
]

#: The Erlang driver that runs a schedule on real nodes.
DRIVER = Path(__file__).with_name("global_replay.erl")

View = dict[str, dict[str, Any]]

#: How many states the model may take by internal steps from a checkpoint, at most.
_CLOSURE_LIMIT = 20_000


class NoRealCounterpart(UsageError):
    """The model, or one of the trace's steps, has nothing on real nodes to run it on."""


@dataclass(frozen=True)
class Checkpoint:
    """Where the real nodes are looked at: after the start (``step`` 0, no ``forced``) or
    after the forced trace step ``step``; ``state`` is the model's state at that point (just
    before the next forced step), ``recorded`` the internal steps the trace takes up to it."""

    step: int
    forced: str | None
    state: Any
    recorded: tuple[int, ...]


@dataclass(frozen=True)
class Schedule:
    """A trace as steps to force on real nodes."""

    nodes: tuple[str, ...]
    resolve: str
    checkpoints: tuple[Checkpoint, ...]

    @property
    def forced(self) -> list[str]:
        """The forced steps, as the driver takes them (``partition:a|b``, ``register:a``)."""
        return [c.forced for c in self.checkpoints if c.forced is not None]


@dataclass(frozen=True)
class RunResult:
    """One run: ``views`` are what the real nodes showed at each checkpoint; ``diverged`` is
    None when the run reproduced the trace, otherwise the first checkpoint (its index) whose
    view the model does not reach, with that view and the model's there."""

    run: int
    views: tuple[View, ...]
    diverged: int | None
    real: View | None = None
    model: View | None = None


@dataclass(frozen=True)
class OtpReplay:
    """The runs of a trace on real nodes."""

    version: str
    schedule: Schedule
    runs: tuple[RunResult, ...]

    @property
    def reproduced(self) -> int:
        """How many runs reproduced the trace."""
        return sum(1 for r in self.runs if r.diverged is None)


def _global_model(model: Model[Any]) -> ActorSystem:
    counterpart = type(model).__dict__.get("otp_counterpart")
    if counterpart != "global" or not isinstance(model, ActorSystem):
        raise NoRealCounterpart(
            f"{type(model).__name__} has no real counterpart to replay on: otp-replay runs "
            ":global's model (models/registry/global_registry.py:GlobalRegistry)"
        )
    return model


def _forced(number: int, action: str | None, label: Any) -> str | None:
    """The driver's step for a forced trace step; None for a step internal to OTP."""
    what = describe(label)
    kind = what["kind"]
    if kind == "deliver" and _is_registration(what.get("message")):
        node = what["node"]  # the name server the call reaches: the node registering
        return f"register:{getattr(node, 'node', node)}"
    if kind in ("deliver", "signal", "timeout"):
        return None
    if kind == "partition":
        return "partition:" + "|".join(",".join(group) for group in what["groups"])
    if kind == "cut":
        return "cut:" + ",".join(what["nodes"])
    if kind == "heal":
        return "heal"
    if kind == "crash":
        return f"crash:{what['node']}"
    raise NoRealCounterpart(
        f"step {number} ({action}) cannot be forced on real nodes: otp-replay forces "
        "partitions, cuts, heals, node crashes and registrations"
    )


def _is_registration(message: Any) -> bool:
    """Whether a delivered message is a process's ``register_name`` call to its server."""
    return (
        isinstance(message, list)
        and len(message) == 3
        and message[0] == "global_call"
        and isinstance(message[2], list)
        and message[2][:1] == ["register_name"]
    )


def schedule_of(model: Model[Any], trace: Trace) -> Schedule:
    """The schedule of ``trace`` of the :global model (see the module's notes)."""
    system = _global_model(model)
    if any(len(name) != 1 for name in system.node_names):
        raise NoRealCounterpart("otp-replay needs one-letter node names (a, b, c)")
    checkpoints: list[Checkpoint] = []
    forced: str | None = None
    at, recorded = 0, []
    for number, step in enumerate(trace.steps[1:], start=1):
        driver_step = _forced(number, step.action, step.label)
        if driver_step is None:
            recorded.append(number)
            continue
        before = trace.steps[number - 1].state
        checkpoints.append(Checkpoint(at, forced, before, tuple(recorded)))
        at, forced, recorded = number, driver_step, []
    checkpoints.append(Checkpoint(at, forced, trace.final, tuple(recorded)))
    return Schedule(system.node_names, str(system.params["resolve"]), tuple(checkpoints))


def model_view(model: Model[Any], w: Any) -> View:
    """What the real nodes are asked, as the model's state ``w`` answers it."""
    system = _global_model(model)
    graph = system.connections(w)  # nodes(): a connection dropped by a node itself counts
    view: View = {}
    for node in sorted(system.live_states(w)):
        process, holder = system.otp_view(w, node)  # type: ignore[attr-defined]
        view[node] = {
            "process": process,
            "holder": holder,
            "nodes": sorted(graph.neighbors(node)) if node in graph else [],
        }
    return view


def _settled_views(model: Model[Any], start: Any) -> list[View]:
    """The views of the states the model reaches from ``start`` by internal steps alone."""
    seen = {start}
    queue = deque([start])
    views: list[View] = []
    while queue:
        w = queue.popleft()
        view = model_view(model, w)
        if view not in views:
            views.append(view)
        for label, nxt in model.actions(w):
            if nxt in seen or _forced(0, None, label) is not None:
                continue
            seen.add(nxt)
            queue.append(nxt)
            if len(seen) > _CLOSURE_LIMIT:
                return views
    return views


def _judge(model: Model[Any], schedule: Schedule, run: dict[str, Any]) -> RunResult:
    real = [run["initial"], *run["steps"]]
    if len(real) != len(schedule.checkpoints):
        raise OtpRunError(f"run {run['run']}: {len(real)} views for {len(schedule.checkpoints)}")
    for index, (checkpoint, seen) in enumerate(zip(schedule.checkpoints, real, strict=True)):
        if seen not in _settled_views(model, checkpoint.state):
            wanted = model_view(model, checkpoint.state)
            return RunResult(run["run"], tuple(real), index, seen, wanted)
    return RunResult(run["run"], tuple(real), None)


def replay_on_otp(model: Model[Any], trace: Trace, *, runs: int, otp: Otp, tag: str) -> OtpReplay:
    """Run ``trace`` ``runs`` times on real nodes (fresh ones each time) and judge each run.
    ``tag`` keeps the nodes' names apart from other runs' on this machine."""
    schedule = schedule_of(model, trace)
    lines = otp.run(
        DRIVER, ["".join(schedule.nodes), schedule.resolve, str(runs), tag, *schedule.forced]
    )
    results = [_judge(model, schedule, line) for line in lines[1:]]
    if len(results) != runs:
        raise OtpRunError(f"global_replay gave {len(results)} runs of {runs}")
    return OtpReplay(otp.version, schedule, tuple(sorted(results, key=lambda r: r.run)))
