"""The explorer's screenshot in the docs (docs/explorer.md): the real app, served here, opened in
headless Chromium at a step of a path with a partition, the chart drawn.

``make explorer-screenshot`` runs ``python -m tests.explorer_screenshot docs/explorer.png``."""

from __future__ import annotations

import sys
from pathlib import Path

from modelcheck.explorer import Place, page_url
from tests.cdp import Browser
from tests.explorer_helpers import HORDE, HORDE_PATH, serving

WIDTH, HEIGHT = 1600, 820


def screenshot(file: Path) -> None:
    """Write the PNG: HordeRegistry with a partition and a heal allowed, at the partition."""
    with serving(HORDE, {"partitions": "1", "heals": "1"}) as server, Browser(WIDTH, HEIGHT) as b:
        start = server.explorer.start
        path = tuple(int(c) for c in HORDE_PATH.split("."))
        b.goto(page_url(server, Place(start.spec, start.params, path, 3)))
        b.wait_for(f"document.body.dataset.ready === '{HORDE_PATH}@3'")
        b.wait_for(f"document.body.dataset.chart === '{HORDE_PATH}'")
        b.evaluate("document.activeElement.blur()")
        file.write_bytes(b.screenshot())


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/explorer.png")
    screenshot(target)
    print(f"wrote {target}")  # noqa: T201
