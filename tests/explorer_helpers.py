"""What the explorer's tests share: an explorer served from a thread, and HTTP requests to
it that return the status and the JSON (or text) answer."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from modelcheck.explorer import Explorer, ExplorerServer, make_server
from modelcheck.loader import resolve

HORDE = "models/registry/horde_registry.py:HordeRegistry"
#: timeout(a), timeout(b), partition, both nodedowns, heal: a path with every kind of step
#: (the heal is the third step enabled at the end: after the reconnect polls of a and b).
HORDE_PATH = "0.0.1.2.0.0.2"


@contextmanager
def serving(
    target: str, params: Mapping[str, str] | None = None, path: str | None = None
) -> Iterator[ExplorerServer]:
    """An explorer for ``target`` answering on a free port until the block ends."""
    explorer = Explorer(resolve(target), params or {}, path=path, find_seconds=30)
    server = make_server(explorer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def request(
    server: ExplorerServer,
    where: str,
    body: Any = None,
    *,
    token: str | None = "",
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """``where`` (path and query) asked of ``server`` with its token (``token=None``: none;
    a string: that one instead); POST when there is a body. The status and the decoded
    JSON (or, for a page, the text)."""
    headers = {}
    if token is not None:
        headers["X-Token"] = token or server.token
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    url = f"http://127.0.0.1:{server.port}{where}"
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            status, kind, payload = answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as exc:
        status, kind, payload = exc.code, exc.headers["Content-Type"], exc.read()
    text = payload.decode("utf-8")
    return status, (json.loads(text) if kind.startswith("application/json") else text)
