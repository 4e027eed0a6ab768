"""The bytes of a checkpoint file, and loading one without running code it might carry.

A checkpoint file is::

    modelcheck checkpoint 4\\n
    {"model": ..., "params": ..., ...}\\n      the run it belongs to, as JSON
    <64 hex digits>\\n                          BLAKE2b-256 of the body, keyed by that line
    <pickle>                                    the search (a ``Saved``)

The run line is read and compared with the run being resumed before anything else, so a
checkpoint of another run is refused by name. The digest is an *integrity* check: it
catches a file that was truncated, damaged or edited, or a body copied under another
run's header. It is not authenticity: anyone who can write the file can compute it.
Safety against a crafted file comes from the unpickler: it builds only the engine's own
types, the classes defined in the model's own files (its module, the modules of its base
classes, and modules under their folders that are already imported), builtin containers
and numbers, and arrays (``array``, ``numpy``). It imports nothing: a pickle naming
anything else (``os.system``, ``builtins.eval``, ``subprocess.Popen``, a function of any
module) is refused before it is called.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import sys
from pathlib import Path
from typing import IO, Any

from modelcheck.errors import UsageError
from modelcheck.model import Model

__all__ = ["MAGIC", "read_body", "read_header", "write_checkpoint"]

#: (3 since actor worlds' fingerprints are combined by CPython's tuple hash, 4 since their
#: channels by name are digested entry by entry: a fingerprint store saved before holds
#: other numbers for the same worlds)
MAGIC = b"modelcheck checkpoint 4\n"
_DIGEST_SIZE = 32
_MAX_HEADER = 1 << 20

#: Callables a checkpoint may name besides classes: how arrays rebuild themselves.
_ALLOWED = frozenset(
    {
        ("array", "_array_reconstructor"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "_reconstruct"),
    }
)
_BUILTIN_TYPES = frozenset(
    {"bool", "bytearray", "bytes", "complex", "dict", "float", "frozenset", "int", "list"}
    | {"range", "set", "slice", "str", "tuple"}
)
_ARRAY_TYPES = {"array": frozenset({"array"})}
#: Parts of modelcheck whose classes never belong in a search's books.
_NOT_ENGINE = ("modelcheck.cli", "modelcheck.render", "modelcheck.loader", "modelcheck.specs")


def _key(header: bytes) -> bytes:
    return hashlib.blake2b(header, digest_size=_DIGEST_SIZE).digest()


def write_checkpoint(f: IO[bytes], run: dict[str, Any], saved: object) -> None:
    """Write ``saved`` (pickled) to the open file ``f`` under the header of ``run``."""
    header = json.dumps(run, default=repr).encode()
    digest = hashlib.blake2b(key=_key(header), digest_size=_DIGEST_SIZE)
    f.write(MAGIC + header + b"\n")
    where = f.tell()
    f.write(b"0" * (2 * _DIGEST_SIZE) + b"\n")

    class _Hashing:
        def write(self, data: bytes) -> int:
            digest.update(data)
            return f.write(data)

    pickle.dump(saved, _Hashing(), protocol=pickle.HIGHEST_PROTOCOL)
    end = f.tell()
    f.seek(where)
    f.write(digest.hexdigest().encode())
    f.seek(end)


def read_header(f: IO[bytes], file: Path) -> tuple[dict[str, Any], bytes]:
    """The run a checkpoint belongs to, and its header line (the digest's key)."""
    if f.read(len(MAGIC)) != MAGIC:
        raise UsageError(
            f"{file} is not a checkpoint of this version of modelcheck: remove it to start over"
        )
    header = f.readline(_MAX_HEADER)
    try:
        run = json.loads(header)
    except ValueError:
        run = None
    if not header.endswith(b"\n") or not isinstance(run, dict):
        raise UsageError(f"{file} is damaged (its header is not a run): remove it to start over")
    return run, header[:-1]


def read_body(f: IO[bytes], file: Path, header: bytes, model_type: type | None) -> Any:
    """The pickled search after the header: its digest checked, then unpickled with only the
    types a checkpoint may hold (see the module's documentation)."""
    line = f.readline(2 * _DIGEST_SIZE + 1)
    body = f.read()
    digest = hashlib.blake2b(body, key=_key(header), digest_size=_DIGEST_SIZE).hexdigest()
    if line.rstrip(b"\n") != digest.encode():
        raise UsageError(
            f"{file} is damaged or was altered (its digest does not match): remove it to start over"
        )
    unpickler = _Restricted(io.BytesIO(body), file, _model_folders(model_type))
    try:
        return unpickler.load()
    except UsageError:
        raise
    except Exception as exc:
        raise UsageError(f"{file} cannot be read: {type(exc).__name__}: {exc}") from None


def _model_folders(model_type: type | None) -> tuple[Path, ...]:
    """The folders of the model's own files: its module's and its base model classes' (for
    a file in a package, the package's top folder)."""
    folders: list[Path] = []
    for cls in model_type.__mro__ if model_type is not None else ():
        module = sys.modules.get(cls.__module__)
        name = getattr(module, "__file__", None)
        # Only the model classes (not Generic, object, or modelcheck's own bases).
        if not name or not issubclass(cls, Model) or cls.__module__.startswith("modelcheck."):
            continue
        folder = Path(name).resolve().parent
        while (folder / "__init__.py").exists():
            folder = folder.parent
        if folder not in folders:
            folders.append(folder)
    return tuple(folders)


class _Restricted(pickle.Unpickler):
    """An unpickler that builds only what a checkpoint holds, and imports nothing."""

    def __init__(self, data: IO[bytes], file: Path, folders: tuple[Path, ...]) -> None:
        super().__init__(data)
        self.file = file
        self.folders = folders

    def find_class(self, module: str, name: str) -> Any:
        found = self._lookup(module, name)
        if found is None:
            raise UsageError(
                f"{self.file} asks to build {module}.{name}, which a checkpoint never holds "
                "(only the engine's and the model's types, containers and arrays): refused, "
                "nothing was run; remove it to start over"
            )
        return found

    def _lookup(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return _attribute(sys.modules.get(module), name)
        if module == "builtins":
            return _attribute(sys.modules["builtins"], name) if name in _BUILTIN_TYPES else None
        if name in _ARRAY_TYPES.get(module, ()):
            return _attribute(sys.modules.get(module), name)
        if not self._may_hold_types_of(module):
            return None
        found = _attribute(sys.modules.get(module), name, classes_only=True)
        return found if isinstance(found, type) else None

    def _may_hold_types_of(self, module: str) -> bool:
        if module == "modelcheck" or module.startswith("modelcheck."):
            return not any(module == p or module.startswith(p + ".") for p in _NOT_ENGINE)
        loaded = sys.modules.get(module)
        name = getattr(loaded, "__file__", None)
        if not name:
            return False
        where = Path(name).resolve()
        return any(where.is_relative_to(folder) for folder in self.folders)


def _attribute(module: Any, dotted: str, classes_only: bool = False) -> Any:
    """``module.dotted`` without importing anything; None if it is not there, a part is
    private-looking (``__x``), or (``classes_only``) a part is not a class."""
    if module is None:
        return None
    found = module
    for part in dotted.split("."):
        if part.startswith("__"):
            return None
        found = getattr(found, part, None)
        if found is None or (classes_only and not isinstance(found, type)):
            return None
    return found
