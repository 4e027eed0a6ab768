"""The explorer's web server: the standard library's ``ThreadingHTTPServer``, one static page
(HTML, JavaScript, CSS shipped in the package, no network) and a small JSON API.

It binds 127.0.0.1 only. Every request must carry the random token the address was printed
with (``?token=`` or the ``X-Token`` header), else 403. Answers:

- ``GET /?model=...`` the page (without ``model``: a redirect to where the explorer
  starts); ``GET /static/NAME`` its script and style;
- ``GET /api/view?model=SPEC&p=K=V...&path=0.1.2&at=2`` what the page shows at that step;
- ``GET /api/chart?...`` the chart of the path (SVG), drawn once per path;
- ``POST /api/find?...`` with ``{"property": NAME}``: a bounded search from the step;
- ``POST /api/open`` with ``{"name": FILE, "text": CONTENT}``: a saved trace opened.

A mistake (a bad path, an unknown model, a malformed body) is a 4xx whose JSON body is
``{"error": one line}``; an exception in model code is a 422 saying where; nothing sends a
traceback. The server writes no log.
"""

from __future__ import annotations

import hmac
import json
import secrets
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from modelcheck.errors import ModelcheckError, ModelCodeError, UsageError
from modelcheck.explorer.session import Explorer, Place

__all__ = ["ExplorerServer", "make_server", "page_url"]

_MAX_BODY = 20 * 2**20
_STATIC = {
    "explorer.js": "text/javascript; charset=utf-8",
    "explorer.css": "text/css; charset=utf-8",
}
_ROUTES = {
    ("GET", "/"),
    ("GET", "/api/view"),
    ("GET", "/api/chart"),
    ("POST", "/api/find"),
    ("POST", "/api/open"),
}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class ExplorerServer(ThreadingHTTPServer):
    """A server for one :class:`Explorer`, on 127.0.0.1, guarded by ``token``."""

    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, explorer: Explorer, port: int, token: str) -> None:
        self.explorer = explorer
        self.token = token
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def port(self) -> int:
        """The port it listens on (a free one when started with port 0)."""
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A dropped connection is nobody's business: no traceback on stderr."""


def make_server(explorer: Explorer, port: int = 0, token: str | None = None) -> ExplorerServer:
    """A server for ``explorer`` on 127.0.0.1 (``port`` 0: a free one), not yet serving;
    a port that is taken is a one-line :class:`UsageError`."""
    try:
        return ExplorerServer(explorer, port, token or secrets.token_urlsafe(24))
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None


def page_url(server: ExplorerServer, place: Place | None = None) -> str:
    """The address of the page, with the token, at ``place`` (the start by default)."""
    place = place or server.explorer.start
    query = [("token", server.token), ("model", place.spec)]
    query += [("p", f"{k}={v}") for k, v in place.params]
    query += [("path", ".".join(map(str, place.path))), ("at", str(place.at))]
    return f"http://127.0.0.1:{server.port}/?{urlencode(query)}"


class _Refused(Exception):
    """An answer other than 200, with its one-line message."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Handler(BaseHTTPRequestHandler):
    server: ExplorerServer
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle's algorithm on a kept-alive connection
    # the body waits for the browser's delayed ACK of the headers, some 40 ms a click.
    disable_nagle_algorithm = True
    server_version = "modelcheck-explorer"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """No request log."""

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        try:
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            self._check_token(query)
            body = self._route(method, url.path, query)
        except _Refused as exc:
            self._json({"error": exc.message}, exc.status)
        except ModelCodeError as exc:
            where = f" (at {exc.location})" if exc.location else ""
            self._json({"error": exc.message + where}, HTTPStatus.UNPROCESSABLE_ENTITY)
        except ModelcheckError as exc:
            self._json({"error": exc.message}, HTTPStatus.BAD_REQUEST)
        except Exception as exc:  # a bug of ours: one line, never a traceback
            message = f"internal error: {type(exc).__name__}: {exc}"
            self._json({"error": message}, HTTPStatus.INTERNAL_SERVER_ERROR)
        else:
            if body is not None:
                self._send(*body)

    def _check_token(self, query: dict[str, list[str]]) -> None:
        given = self.headers.get("X-Token") or (query.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.server.token.encode()):
            raise _Refused(
                HTTPStatus.FORBIDDEN,
                "this explorer answers only with the token of the address it printed",
            )

    def _route(
        self, method: str, path: str, query: dict[str, list[str]]
    ) -> tuple[bytes, str, HTTPStatus] | None:
        explorer = self.server.explorer
        if path.startswith("/static/") and method == "GET":
            return self._static(path.removeprefix("/static/"))
        if (method, path) not in _ROUTES:
            if path in {p for _, p in _ROUTES}:
                raise _Refused(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not for {path}")
            raise _Refused(HTTPStatus.NOT_FOUND, f"no such page: {path}")
        if path == "/" and "model" not in query:  # the bare address: the starting place
            self._redirect(
                page_url(self.server).removeprefix(f"http://127.0.0.1:{self.server.port}")
            )
            return None
        if path == "/":
            return self._static("index.html")
        if path == "/api/open":
            doc = self._body()
            name, text = doc.get("name"), doc.get("text")
            if not isinstance(name, str) or not isinstance(text, str):
                raise _Refused(
                    HTTPStatus.BAD_REQUEST, 'expected {"name": file name, "text": content}'
                )
            self._json(explorer.open_trace(name, text))
            return None
        place = _place(query)
        if path == "/api/view":
            self._json(explorer.view(place))
        elif path == "/api/chart":
            self._json(explorer.chart(place))
        else:
            name = self._body().get("property")
            if not isinstance(name, str):
                raise _Refused(HTTPStatus.BAD_REQUEST, 'expected {"property": name}')
            self._json(explorer.find(place, name))
        return None

    def _body(self) -> dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            raise _Refused(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from None
        if length > _MAX_BODY:
            raise _Refused(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is larger than {_MAX_BODY // 2**20} MB",
            )
        raw = self.rfile.read(length)
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _Refused(HTTPStatus.BAD_REQUEST, "the request body is not JSON") from None
        if not isinstance(doc, dict):
            raise _Refused(HTTPStatus.BAD_REQUEST, "the request body must be a JSON object")
        return doc

    def _static(self, name: str) -> tuple[bytes, str, HTTPStatus]:
        kind = "text/html; charset=utf-8" if name == "index.html" else _STATIC.get(name)
        if kind is None:
            raise _Refused(HTTPStatus.NOT_FOUND, f"no such file: /static/{name}")
        data = resources.files("modelcheck.explorer").joinpath("static", name).read_bytes()
        if name == "index.html":  # its script and style are asked for with the token too
            data = data.replace(b"__TOKEN__", self.server.token.encode("ascii"))
        return data, kind, HTTPStatus.OK

    def _redirect(self, where: str) -> None:
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, doc: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._send(data, "application/json; charset=utf-8", status)

    def _send(self, data: bytes, kind: str, status: HTTPStatus) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Content-Security-Policy", _CSP)
            self.end_headers()
            self.wfile.write(data)
        except (TimeoutError, ConnectionError):
            self.close_connection = True


def _place(query: dict[str, list[str]]) -> Place:
    """The model, parameters, path and step a request names."""
    models = query.get("model") or []
    if len(models) != 1 or not models[0]:
        raise _Refused(HTTPStatus.BAD_REQUEST, "name one model: ?model=PATH:NAME")
    path = query["path"][-1] if query.get("path") else None
    at = query["at"][-1] if query.get("at") else None
    return Place.parse(models[0], query.get("p") or [], path, at)
