"""The documentation site (docs/, mkdocs.yml): it builds with warnings as errors, its
Python examples run (and assert what they claim), and it links nothing outside the
repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md"))
_PYTHON = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    built = {p.relative_to(site).as_posix() for p in site.rglob("index.html")}
    pages = {p.stem for p in PAGES}
    assert {"index.html"} | {f"{page}/index.html" for page in pages - {"index"}} == built
    assert (site / "late_reply.png").exists() and (site / "no_quorum_election.png").exists()
    outside = {
        link
        for page in site.rglob("*.html")
        for link in re.findall(r'(?:href|src)="(https?://[^"]*)"', page.read_text())
    }
    assert outside == set()  # the theme's footer link to the MkDocs site is overridden


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_python_examples_run(page: Path) -> None:
    """Each page's ``python`` blocks run in order, in one namespace, as a reader would."""
    blocks = _PYTHON.findall(page.read_text())
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for number, block in enumerate(blocks, start=1):
        code = compile(block, f"{page.name} (example {number})", "exec")
        exec(code, namespace)


def test_some_pages_have_examples_to_run() -> None:
    with_examples = [p.name for p in PAGES if _PYTHON.search(p.read_text())]
    assert with_examples == [
        "actors.md",
        "index.md",
        "liveness.md",
        "otp.md",
        "regression.md",
        "tla-users.md",
        "writing-models.md",
    ]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_page_links_outside_the_repository(page: Path) -> None:
    # The one address a page may show is the loopback one the explorer prints.
    assert not re.search(r"https?://(?!127\.0\.0\.1:)", page.read_text())


def test_the_readme_links_only_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    assert not re.search(r"https?://", readme)
    targets = re.findall(r"\]\(([^)#]+)", readme)
    assert "docs/partitions.md" in targets
    missing = [t for t in targets if not (ROOT / t).is_file() or ".." in Path(t).parts]
    assert missing == []
