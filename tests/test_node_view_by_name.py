"""``--node NAME`` on a process that gets its messages by name (``send((name, node), m)``):
the deliveries to the name are its steps, and the messages on their way to the name are in
its view (and its node's)."""

from __future__ import annotations

from modelcheck import check
from modelcheck.render.nodeview import format_node_trace
from models.messaging.kv_call import KvCall

CALL_1 = "[call, <client.0>#1, [put, x, 1]]"
CALL_2 = "[call, <client.0>#2, [get, x]]"


def test_the_server_called_by_name_sees_its_calls_arrive() -> None:
    system = KvCall()
    trace = check(system).verdict("timed_out_put_not_written").trace
    assert trace is not None
    assert format_node_trace(system, trace, "store") == [
        "  process <server.0>: 2 of 5 steps concern it (1, 4)",
        "  0  initial state",
        "     <server.0> = {state: [], next_ref: 1, pending: [], postponed: [], monitors: []}",
        f'     in flight = ["<client.0> -> store on server: {CALL_1}"]',
        '     monitors = ["<client.0> watches <server.0>"]',
        "     names = {store on server: <server.0>}",
        f"  1  deliver(<client.0>, [store, server], {CALL_1})",
        "     <server.0>.state: [] -> [[x, 1]]",
        f"     in flight: - <client.0> -> store on server: {CALL_1}, "
        "+ <server.0> -> <client.0>: [reply, #1, ok]",
        "     (steps 2-3: others)",
        f"  4  deliver(<client.0>, [store, server], {CALL_2})",
        f"     in flight: - <client.0> -> store on server: {CALL_2}, "
        "+ <server.0> -> <client.0>: [reply, #2, 1]",
        "     (step 5: others)",
    ]
    node = format_node_trace(system, trace, "server")
    assert node[0] == "  node server: 2 of 5 steps concern it (1, 4)"
    assert node[3] == f'     in flight = ["<client.0> -> store on server: {CALL_1}"]'
