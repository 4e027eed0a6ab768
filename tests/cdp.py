"""A small Chrome DevTools Protocol client over the standard library, for the explorer's
browser tests and its screenshot: starts headless Chromium with a debugging port, speaks
WebSocket (RFC 6455: the handshake, masked client frames, fragments, ping) to its page, and
offers what the tests need: go to an address, evaluate JavaScript, wait for a condition,
click an element and press a key as input events (not synthetic DOM events), take a
screenshot. Console messages, exceptions and log entries (a CSP violation is one) are kept.

Why not Playwright: its Python package drives its own build of Chromium, downloaded by
``playwright install`` (which cannot run here); driving Debian's chromium through the
protocol directly needs nothing but this file."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["BROWSER", "Browser", "CdpError"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: The Chromium found on the PATH, or None.
BROWSER = next((found for name in _NAMES if (found := shutil.which(name))), None)


class CdpError(Exception):
    """The browser answered a command with an error, or did not answer in time."""


class _Socket:
    """A WebSocket client connection (text frames only, as the protocol uses)."""

    def __init__(self, url: str, timeout: float) -> None:
        found = re.fullmatch(r"ws://([^/:]+):(\d+)(/.*)", url)
        if found is None:
            raise CdpError(f"not a ws:// address: {url}")
        host, port, path = found.group(1), int(found.group(2)), found.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise CdpError("the browser closed the connection during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise CdpError(f"no WebSocket upgrade: {head.splitlines()[0]!r}")

    def send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 2**16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _exactly(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise CdpError("the browser closed the connection")
            out += chunk
        return bytes(out)

    def receive(self) -> str:
        message = bytearray()
        while True:
            first, second = self._exactly(2)
            n = second & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._exactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._exactly(8))
            mask = self._exactly(4) if second & 0x80 else None
            payload = self._exactly(n)
            if mask is not None:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = first & 0x0F
            if opcode == 0x9:  # ping
                self.sock.sendall(
                    struct.pack("!BB", 0x8A, 0x80 | len(payload)) + b"\0" * 4 + payload
                )
                continue
            if opcode == 0x8:
                raise CdpError("the browser closed the connection")
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class Browser:
    """Headless Chromium with one page, driven through the DevTools protocol."""

    def __init__(self, width: int = 1600, height: int = 1000, timeout: float = 30.0) -> None:
        if BROWSER is None:
            raise CdpError("no Chromium on the PATH")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="cdp-profile-")
        self.process = subprocess.Popen(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.events: list[dict[str, Any]] = []
        self._next = 0
        try:
            self.ws = _Socket(self._page_socket(), timeout)
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
            self.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
        except BaseException:
            self.close()
            raise

    def _page_socket(self) -> str:
        """The page's WebSocket address, once Chromium has written its port."""
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                port = port_file.read_text().split()[0]
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
                        targets = json.load(r)
                except OSError:
                    targets = []
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return str(pages[0]["webSocketDebuggerUrl"])
            if self.process.poll() is not None:
                raise CdpError(f"Chromium exited with code {self.process.returncode}")
            time.sleep(0.05)
        raise CdpError("Chromium did not open its debugging port in time")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer (events meanwhile are kept)."""
        self._next += 1
        number = self._next
        self.ws.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            doc = json.loads(self.ws.receive())
            if doc.get("id") == number:
                if "error" in doc:
                    raise CdpError(f"{method}: {doc['error'].get('message')}")
                result: dict[str, Any] = doc.get("result", {})
                return result
            if "method" in doc:
                self.events.append(doc)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited)."""
        answer = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise CdpError(f"{expression}: {answer['exceptionDetails'].get('text')}")
        return answer.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float | None = None) -> Any:
        """Poll until ``expression`` is truthy; its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                value = self.evaluate(expression)
            except CdpError:  # e.g. while the page is being replaced
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise CdpError(f"timed out waiting for {expression}")
            time.sleep(0.02)

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def click(self, selector: str) -> None:
        """A mouse click in the middle of the first element matching ``selector``."""
        box = self.evaluate(
            f"(function () {{ var e = document.querySelector({json.dumps(selector)});"
            " if (!e) { return null; } e.scrollIntoView({block: 'center'});"
            " var r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        if box is None:
            raise CdpError(f"nothing matches {selector}")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def press(self, key: str) -> None:
        """A key pressed and released (``ArrowLeft``, ``Enter``, ``3``...)."""
        codes = {
            "ArrowLeft": 37,
            "ArrowUp": 38,
            "ArrowRight": 39,
            "ArrowDown": 40,
            "Enter": 13,
            "Home": 36,
            "End": 35,
        }
        code = codes.get(key, ord(key.upper()) if len(key) == 1 else 0)
        text = {"text": key} if len(key) == 1 else {}
        self.call(
            "Input.dispatchKeyEvent", type="keyDown", key=key, windowsVirtualKeyCode=code, **text
        )
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, windowsVirtualKeyCode=code)

    def set_file(self, selector: str, file: Path) -> None:
        """Choose ``file`` in the file input ``selector`` (as a user would)."""
        document = self.call("DOM.getDocument")
        node = self.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector=selector)
        self.call("DOM.setFileInputFiles", nodeId=node["nodeId"], files=[str(file)])

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and log entries so far."""
        out = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
                "assert",
            ):
                args = [str(a.get("value", a.get("description"))) for a in params["args"]]
                out.append(f"console {params['type']}: {' '.join(args)}")
            elif method == "Log.entryAdded":
                entry = params["entry"]
                if entry.get("level") in ("error", "warning"):
                    out.append(f"log {entry.get('level')}: {entry.get('text')}")
        return out

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
