"""The docs page "Proving with z3" (docs/z3.md, once a README section) shows real code and
real output."""

from __future__ import annotations

from pathlib import Path

from tests.golden_runner import GOLDEN, expected

ROOT = Path(__file__).parent.parent


def _section() -> str:
    return (ROOT / "docs/z3.md").read_text()


def _blocks(kind: str) -> list[str]:
    """The fenced blocks of the section whose fence names ``kind`` ("" for none)."""
    blocks: list[str] = []
    current: list[str] | None = None
    fence = ""
    for line in _section().splitlines(keepends=True):
        if current is None and line.startswith("```"):
            current, fence = [], line[3:].strip()
        elif current is not None and line.startswith("```"):
            if fence == kind:
                blocks.append("".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_the_code_shown_is_the_models_code() -> None:
    sources = {
        "class GCounter": ROOT / "models/crdt/g_counter.py",
        "    @action(": ROOT / "models/symbolic/lock_server.py",
    }
    blocks = _blocks("py")  # excerpts: docs pages run only their ``python`` blocks
    assert len(blocks) == 2
    for block in blocks:
        source = next(path for start, path in sources.items() if block.startswith(start))
        assert block in source.read_text()


def test_every_output_shown_is_a_golden_file() -> None:
    goldens = {expected(path)[0]: expected(path)[1] for path in GOLDEN.glob("prove_*.txt")}
    shown = [block for block in _blocks("") if block.startswith("$ modelcheck prove")]
    assert len(shown) == 4
    for block in shown:
        command, _, output = block.partition("\n")
        want = goldens[command[2:]]
        assert want.rsplit("# exit", 1)[0] == output
