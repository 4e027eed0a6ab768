"""Declared node symmetry: one world per orbit under renaming interchangeable nodes.

An actor system names groups of interchangeable nodes (``ActorSystem.symmetric``); the
engine then stores, of all the worlds that differ only by a renaming of the nodes within
each group, one representative (``check(model, symmetry=True)``, ``--symmetry``), like
TLC's ``SYMMETRY Permutations(S)``.

A renaming moves everything that names a node consistently: the processes' slots (a
node's boot processes trade places with the other node's, spawned ones are re-sorted by
their renamed pids), node names and pids inside process states, messages, signals, timers
and durable state (any ``str`` equal to a renamed node's name is that node's name), the
channel and signal-queue keys (and the nodes and names messages by name travel to),
monitors, links, node subscriptions, registered names keyed by node, the crashed nodes,
the cut links and the connections down. Actor instances (behaviours) are left as they are.

The representative is chosen exactly: each node of a group gets a signature that renaming
cannot change (its own processes' states, timers and messages waiting for them, its
crashed bit; every interchangeable name in them replaced by a placeholder, its own by
another); the renamings that sort the group by signature are tried, only nodes with equal
signatures being permuted among themselves, and the one whose world has the least
fingerprint is the representative. Every member of an orbit has the same set of sorted
renamings up to the renaming between them, so all reach the same least world: one
representative per orbit (``tests/test_actors_symmetry.py`` checks it against every
permutation on small systems). Two distinct candidate worlds with one 64-bit fingerprint
(chance about 2**-64 per pair) could split an orbit in two; never merge two orbits.

Sound only if the handlers are symmetric: a node behaves the same whatever its name,
reading names only to compare them or to send to them (no ``me == "rm1"``, no position in
a list of names). :class:`NodeSymmetry` checks this on the first worlds it is given: a
swap of two interchangeable nodes must commute with the steps, or it is a model error.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from modelcheck.errors import ModelError
from modelcheck.fingerprint import fingerprint

from .actor import Actor, Pid, Signal
from .alike import alike, recall
from .world import MASK, NO_PROCS, SHIFT, World, refs_of

if TYPE_CHECKING:
    from .system import ActorSystem

__all__ = ["NodeSymmetry", "Renamer"]

#: How many worlds (the first given) are checked for steps that commute with a swap.
_CHECKED = 32

#: A renaming's cache of renamed values is dropped when it grows past this many entries.
_CACHE_LIMIT = 1 << 16


class Renamer:
    """Renames node names (and pids' nodes) inside a value, as ``names`` maps them.

    >>> r = Renamer({"a": "b", "b": "a"})
    >>> name, pid, group = r(("a", Pid("b", 0), frozenset({"a", "c"})))
    >>> name, pid, sorted(group)
    ('b', <a.0>, ['b', 'c'])
    """

    __slots__ = ("_cache", "names")

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self._cache: dict[Any, tuple[Any, Any]] = {}  # (see ``recall``)

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self.names.get(value, value)
        if kind is int or value is None or kind is bool:
            return value
        try:
            known = recall(self._cache, value, value)
        except TypeError:
            return self._walk(value)
        if known is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            known = self._walk(value)
            self._cache.setdefault(value, (value, known))
        return known

    def _walk(self, value: Any) -> Any:
        kind = type(value)
        if kind is tuple:
            return tuple(self(item) for item in value)
        if kind is frozenset:
            return frozenset(self(item) for item in value)
        if kind is Pid:
            return Pid(self.names.get(value.node, value.node), value.serial, value.incarnation)
        if kind is Signal:
            return Signal(value.kind, self(value.who), self(value.reason), self(value.ref))
        if isinstance(value, Actor):
            return value
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return kind(*(self(item) for item in value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
            }
            return dataclasses.replace(value, **changes)
        return value


class NodeSymmetry:
    """The node symmetry ``groups`` (tuples of node indices) of ``system``: renames worlds
    (:meth:`rename`) and picks one per orbit (:meth:`canonical`)."""

    def __init__(self, system: ActorSystem, groups: tuple[tuple[int, ...], ...]) -> None:
        self.system = system
        self.groups = groups
        self.n = system.n
        names = system.node_names
        self._renamers: dict[tuple[int, ...], Renamer] = {}
        group_of = {node: g for g, group in enumerate(groups) for node in group}
        # The placeholders signatures see: one per group, another for the node itself.
        self._abstract = {
            node: Renamer(
                {
                    names[other]: "\x00self" if other == node else f"\x00group{group_of[other]}"
                    for other in group_of
                }
            )
            for node in group_of
        }
        self._checked = 0
        self._identity = tuple(range(self.n))
        self._fps: dict[Any, tuple[Any, int]] = {}
        self._known: dict[World, tuple[World, World]] = {}  # (see ``recall``)
        self._parts: dict[tuple[Any, ...], tuple[Any, Any]] = {}  # (see ``recall``)
        self._boot_maps: dict[tuple[int, ...], list[int]] = {}
        self._sigs: dict[tuple[int, Any], tuple[Any, dict[int, tuple[int, ...]]]] = {}
        #: The boot slots of the nodes in no group: they stay where they are.
        self._fixed = tuple(
            slot
            for node, slots in enumerate(system.boot_slots)
            if node not in group_of
            for slot in slots
        )

    # -- renaming ---------------------------------------------------------------------

    def renamer(self, perm: tuple[int, ...]) -> Renamer:
        """The value renamer of node permutation ``perm`` (old index -> new index)."""
        renamer = self._renamers.get(perm)
        if renamer is None:
            names = self.system.node_names
            renamer = self._renamers[perm] = Renamer(
                {names[i]: names[j] for i, j in enumerate(perm) if i != j}
            )
        return renamer

    def rename(self, w: World, perm: tuple[int, ...]) -> World:
        """``w`` with node ``i`` renamed ``perm[i]`` throughout."""
        system = self.system
        value = self.renamer(perm)
        boot = len(system.boot_node)
        slot_map = self._boot_map(perm)
        if len(w.states) > boot:
            slot_map = slot_map + list(range(boot, len(w.states)))
        procs = w.procs
        spawned: tuple[Any, ...] = ()
        if procs and procs.spawned:
            renamed = [(value(pid), behaviour) for pid, behaviour in procs.spawned]
            order = sorted(
                range(len(renamed)),
                key=lambda j: (renamed[j][0].node, renamed[j][0].incarnation, renamed[j][0].serial),
            )
            for place, j in enumerate(order):
                slot_map[boot + j] = boot + place
            spawned = tuple(renamed[j] for j in order)
        parts = self._parts if not spawned else None
        if len(self._parts) > _CACHE_LIMIT:
            self._parts.clear()
        states = recall(parts, (perm, 0, w.states), w.states) if parts is not None else None
        if states is None:
            moved: list[Any] = [None] * len(w.states)
            for slot, state in enumerate(w.states):
                moved[slot_map[slot]] = value(state)
            states = tuple(moved)
            if parts is not None:
                parts.setdefault((perm, 0, w.states), (w.states, states))
        chans = recall(parts, (perm, 1, w.chans), w.chans) if parts is not None else None
        if chans is None:
            chans = tuple(
                sorted(
                    (slot_map[k >> SHIFT] << SHIFT | slot_map[k & MASK], value(msgs))
                    for k, msgs in w.chans
                )
            )
            if parts is not None:
                parts.setdefault((perm, 1, w.chans), (w.chans, chans))
        sysq = w.sysq and tuple(
            sorted(
                (slot_map[k >> SHIFT] << SHIFT | perm[k & MASK], value(queue))
                for k, queue in w.sysq
            )
        )
        timers = recall(parts, (perm, 2, w.timers), w.timers) if parts is not None else None
        if timers is None:
            timers = tuple(sorted((slot_map[s], value(t)) for s, t in w.timers))
            if parts is not None:
                parts.setdefault((perm, 2, w.timers), (w.timers, timers))
        monitors, refs = w.monitors, cast(Any, ())
        if monitors:  # (and the processes' table's copy of them, ``Procs.refs``)
            watched = recall(parts, (perm, 4, monitors), monitors) if parts is not None else None
            if watched is None:
                watched = frozenset((slot_map[a], slot_map[b], r) for a, b, r in monitors)
                watched = (watched, refs_of(watched))
                if parts is not None:
                    parts.setdefault((perm, 4, monitors), (monitors, watched))
            monitors, refs = watched
        links = (
            frozenset(
                (slot_map[a], slot_map[b])
                if slot_map[a] < slot_map[b]
                else (slot_map[b], slot_map[a])
                for a, b in w.links
            )
            if w.links
            else w.links
        )
        durable = tuple(sorted((slot_map[s], value(d)) for s, d in w.durable)) if w.durable else ()
        byname = w.byname and tuple(
            sorted(
                (
                    slot_map[k >> SHIFT] << SHIFT | perm[k & MASK],
                    tuple(
                        (value(name), value(msg), tuple(sorted((slot_map[j], c) for j, c in ahead)))
                        for name, msg, ahead in entries
                    ),
                )
                for k, entries in w.byname
            )
        )
        new_procs: Any = NO_PROCS
        if procs:
            key = system._key
            new_procs = procs._replace(
                spawned=spawned,
                serials=tuple(sorted((perm[node], serial) for node, serial in procs.serials)),
                names=tuple(
                    sorted(
                        (
                            ((perm[node], value(name)), slot_map[slot])
                            for (node, name), slot in procs.names
                        ),
                        key=lambda e: (e[0][0], key(e[0][1])),
                    )
                ),
                incarnations=tuple(sorted((perm[node], inc) for node, inc in procs.incarnations)),
                apart=self._pairs(procs.apart, perm),
                traps=_bits(procs.traps, slot_map.__getitem__) if procs.traps else 0,
                refs=refs,
            )
        return World(
            states=states,
            chans=chans,
            sysq=sysq,
            timers=timers,
            monitors=monitors,
            links=links,
            subs=_bits(w.subs, slot_map.__getitem__) if w.subs else 0,
            down=_bits(w.down, perm.__getitem__) if w.down else 0,
            cut=self._pairs(w.cut, perm) if w.cut else 0,
            durable=durable,
            used=w.used,
            procs=new_procs,
            byname=byname,
        )

    def _boot_map(self, perm: tuple[int, ...]) -> list[int]:
        """Where renaming ``perm`` moves each boot slot."""
        known = self._boot_maps.get(perm)
        if known is None:
            system = self.system
            known = list(range(len(system.boot_node)))
            for node, slots in enumerate(system.boot_slots):
                for k, slot in enumerate(slots):
                    known[slot] = system.boot_slots[perm[node]][k]
            self._boot_maps[perm] = known
        return known

    def _pairs(self, bits: int, perm: tuple[int, ...]) -> int:
        """Node-pair bits (``a * n + b``, ``a < b``) with the nodes renamed."""
        n, out = self.n, 0
        while bits:
            low = bits & -bits
            a, b = divmod(low.bit_length() - 1, n)
            a, b = perm[a], perm[b]
            out |= 1 << (a * n + b if a < b else b * n + a)
            bits ^= low
        return out

    # -- one per orbit ----------------------------------------------------------------

    def _fp(self, value: Any) -> int:
        """The fingerprint of a part of a world, remembered by value (an equal value with
        other types inside, ``(True,)`` for ``(1,)``, has its own: see :func:`.alike`)."""
        known = self._fps.get(value)
        if known is not None and (known[0] is value or alike(known[0], value)):
            return known[1]
        fp = fingerprint(value)
        if known is None:
            if len(self._fps) > _CACHE_LIMIT:
                self._fps.clear()
            self._fps[value] = (value, fp)
        return fp

    def key(self, w: World) -> tuple[int, ...]:
        """A stable sort key of ``w``: its parts' fingerprints (distinct worlds, distinct
        keys, but for 64-bit collisions)."""
        fp = self._fp
        return (
            *(fp(state) for state in w.states),
            -1,
            *(part for k, msgs in w.chans for part in (k, fp(msgs))),
            -1,
            fp(w.sysq),
            fp(w.timers),
            fp(w.monitors),
            fp(w.links),
            w.subs,
            w.down,
            w.cut,
            fp(w.durable),
            fp(w.procs),
            fp(w.byname),
        )

    def signatures(self, w: World) -> dict[int, tuple[int, ...]]:
        """What renaming cannot change about each grouped node in ``w``, as a stable sort
        key: its crashed bit; the processes of the nodes in no group, its own boot
        processes, their timers and the messages to and from them, every grouped name a
        placeholder."""
        states, timers = self._part(0, w.states), self._part(1, w.timers)
        chans = self._part(2, w.chans)
        down = w.down
        return {
            node: (down >> node & 1, *states[node], *timers[node], *chans[node]) for node in states
        }

    def _part(self, which: int, part: Any) -> dict[int, tuple[int, ...]]:
        """The grouped nodes' signature parts from one part of a world, remembered (by
        value, for parts alike: see :meth:`_fp`)."""
        key = (which, part)
        known = self._sigs.get(key)
        if known is not None and (known[0] is part or alike(known[0], part)):
            return known[1]
        if len(self._sigs) > _CACHE_LIMIT:
            self._sigs.clear()
        system = self.system
        fp = self._fp
        made: dict[int, tuple[int, ...]] = {}
        for node, value in self._abstract.items():
            slots = system.boot_slots[node]
            if which == 0:
                made[node] = (
                    *(fp(value(part[s])) for s in self._fixed),
                    -1,
                    *(fp(value(part[s])) for s in slots),
                    -1,
                )
            elif which == 1:
                made[node] = (*(fp(value(t)) for s, t in part if s in slots), -1)
            else:
                boot = len(system.boot_node)
                names = system.node_names
                inbound, outbound = [], []
                for k, msgs in part:
                    src, dst = k >> SHIFT, k & MASK
                    if dst in slots:
                        other = value(names[system.boot_node[src]]) if src < boot else None
                        inbound.append(fp((other, value(msgs))))
                    if src in slots:
                        other = value(names[system.boot_node[dst]]) if dst < boot else None
                        outbound.append(fp((other, value(msgs))))
                made[node] = (*sorted(inbound), -1, *sorted(outbound))
        if known is None:
            self._sigs[key] = (part, made)
        return made

    def perms(self, w: World) -> Iterator[tuple[int, ...]]:
        """The renamings that sort each group by signature (ties in every order)."""
        choices: list[list[list[tuple[int, int]]]] = []
        signature = self.signatures(w)
        for group in self.groups:
            signed = sorted((signature[node], node) for node in group)
            ranked = [node for _, node in signed]
            sigs = [sig for sig, _ in signed]
            positions = sorted(group)
            start = 0
            for end in range(1, len(ranked) + 1):
                if end == len(ranked) or sigs[end] != sigs[start]:
                    members = ranked[start:end]
                    places = positions[start:end]
                    if len(members) > 1 and self._symmetric_in(w, members):
                        # every order of these gives the same world: try one
                        choices.append([list(zip(members, places, strict=True))])
                    else:
                        choices.append(
                            [
                                list(zip(order, places, strict=True))
                                for order in itertools.permutations(members)
                            ]
                        )
                    start = end
        for combo in itertools.product(*choices):
            perm = list(range(self.n))
            for block in combo:
                for old, new in block:
                    perm[old] = new
            yield tuple(perm)

    def _symmetric_in(self, w: World, members: list[int]) -> bool:
        """True if every permutation of ``members`` leaves ``w`` as it is (each swap of
        neighbours does, and they generate all permutations)."""
        for a, b in itertools.pairwise(members):
            perm = list(self._identity)
            perm[a], perm[b] = b, a
            if self.rename(w, tuple(perm)) != w:
                return False
        return True

    def canonical(self, w: World) -> World:
        """The representative of ``w``'s orbit."""
        if self._checked < _CHECKED:
            self._checked += 1
            self.check_commutes(w)
        known = recall(self._known, w, w)
        if known is not None:
            return known  # type: ignore[no-any-return]
        if len(self._known) > _CACHE_LIMIT:
            self._known.clear()
        best = self._least(w)
        self._known.setdefault(w, (w, best))
        return best

    def _least(self, w: World) -> World:
        """The least renaming of ``w`` among those that sort its groups by signature."""
        identity = self._identity
        best: World | None = None
        best_key: tuple[int, ...] | None = None
        for perm in self.perms(w):
            renamed = w if perm == identity else self.rename(w, perm)
            if best is None:
                best = renamed
                continue
            if renamed == best:
                continue
            if best_key is None:
                best_key = self.key(best)
            key = self.key(renamed)
            if key < best_key:
                best, best_key = renamed, key
        assert best is not None
        return best

    def check_commutes(self, w: World) -> None:
        """A model error unless swapping two nodes of each group commutes with the steps
        from ``w`` (a handler that reads its node's name beyond equality breaks it)."""
        actions: Callable[[World], Any] = self.system.actions
        for group in self.groups:
            a, b = group[0], group[1]
            perm = list(range(self.n))
            perm[a], perm[b] = b, a
            swap = tuple(perm)
            after = {self.rename(nxt, swap) for _, nxt in actions(w)}
            swapped = {nxt for _, nxt in actions(self.rename(w, swap))}
            if after != swapped:
                names = self.system.node_names
                raise ModelError(
                    f"{self.system.name}.symmetric(): nodes {names[a]} and {names[b]} are not "
                    "interchangeable: swapping them changes what the handlers do "
                    "(a handler reads its node's name beyond equality)"
                )


def _bits(bits: int, move: Callable[[int], int]) -> int:
    """A bitmask with bit ``i`` moved to bit ``move(i)``."""
    out = 0
    while bits:
        low = bits & -bits
        out |= 1 << move(low.bit_length() - 1)
        bits ^= low
    return out
