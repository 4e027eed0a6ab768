"""Finding models in files: ``PATH`` or ``PATH:NAME``, a file or a folder of files.

A model is a subclass of :class:`modelcheck.Model` defined in the file itself (imported
classes do not count, nor names starting with ``_``). A file inside a package (folders with
``__init__.py``) is imported under its dotted name, so it may use relative imports. Any
other file imports from its own folder, the nearest folder above it holding a ``models``
package, and the current folder (:func:`_import_roots`).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from modelcheck.errors import ModelLoadError
from modelcheck.model import Model
from modelcheck.trace import call_model, location_of

__all__ = [
    "ModelRef",
    "find_model_files",
    "instantiate",
    "load_kind",
    "load_models",
    "resolve",
    "resolve_kind",
]


@dataclass(frozen=True)
class ModelRef:
    """A model class and the file it came from, as the user named it."""

    path: str
    cls: type[Model[Any]]

    @property
    def spec(self) -> str:
        """``path:Name``, the way to name this model on the command line."""
        return f"{self.path}:{self.cls.__name__}"


def split_target(target: str) -> tuple[str, str | None]:
    """Split ``PATH[:NAME]``.

    >>> split_target("models/x.py:Ring")
    ('models/x.py', 'Ring')
    >>> split_target("models/x.py")
    ('models/x.py', None)
    """
    path, sep, name = target.rpartition(":")
    if sep and path and name.isidentifier():
        return path, name
    return target, None


def find_model_files(path: str) -> list[Path]:
    """The Python files of a folder (recursively, sorted), or the file itself."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"{path}: no such file or folder")
    if p.is_dir():
        return sorted(
            f
            for f in p.rglob("*.py")
            if not f.name.startswith(("_", "test_")) and ".venv" not in f.parts
        )
    if p.suffix != ".py":
        raise ModelLoadError(f"{path}: not a Python file (a model file ends in .py)")
    return [p]


def load_models(path: str | Path) -> list[type[Model[Any]]]:
    """The model classes a file defines, in definition order."""
    return load_kind(path, Model)


def resolve(target: str) -> ModelRef:
    """The one model named by ``PATH[:NAME]``; clear errors when there is none or several."""
    path, cls = resolve_kind(
        target,
        Model,
        "model (a subclass of modelcheck.Model)",
        folder_hint="name a model file in it (modelcheck list {path} shows them)",
    )
    return ModelRef(path, cls)


def instantiate(ref: ModelRef, params: dict[str, Any]) -> Model[Any]:
    """Build the model with ``params``; errors in its ``setup`` are reported with their line."""
    model: Model[Any] = call_model(lambda: ref.cls(**params), f"{ref.cls.__name__}.setup()")
    return model


K = TypeVar("K")


def load_kind(path: str | Path, kind: type[K]) -> list[type[K]]:
    """The subclasses of ``kind`` a file defines (not imports), in definition order.

    The same rules as :func:`load_models`, for any base class (a CRDT, a symbolic system).
    """
    module = _import_file(Path(path))
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, kind)
        and obj is not kind
        and obj.__module__ == module.__name__
        and not obj.__name__.startswith("_")
    ]


def resolve_kind(
    target: str, kind: type[K], what: str, folder_hint: str = "name a file in it"
) -> tuple[str, type[K]]:
    """The one subclass of ``kind`` named by ``PATH[:NAME]``, and the path.

    ``what`` names the kind in messages, e.g. ``"CRDT (a subclass of
    modelcheck.symbolic.CRDT)"``; its first word is used where it is repeated.
    ``folder_hint`` says what to do when ``PATH`` is a folder (``{path}`` is filled in).
    """
    path, name = split_target(target)
    files = find_model_files(path)
    if len(files) != 1 or Path(path).is_dir():
        raise ModelLoadError(f"{path} is a folder: {folder_hint.format(path=path)}")
    found = load_kind(files[0], kind)
    names = [c.__name__ for c in found]
    short = what.split(" ")[0]
    if not found:
        raise ModelLoadError(f"{path} defines no {what}")
    if name is None:
        if len(found) > 1:
            raise ModelLoadError(
                f"{path} defines {len(found)} {short}s ({', '.join(names)}): "
                f"name one, as in {path}:{names[0]}"
            )
        return path, found[0]
    for cls in found:
        if cls.__name__ == name:
            return path, cls
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise ModelLoadError(f"{path} has no {short} '{name}': {hint}it defines {', '.join(names)}")


def _import_file(path: Path) -> ModuleType:
    path = path.resolve()
    package_root = path.parent
    parts = [path.stem]
    while (package_root / "__init__.py").exists():
        parts.insert(0, package_root.name)
        package_root = package_root.parent
    try:
        if len(parts) > 1:
            root = str(package_root)
            if root not in sys.path:
                sys.path.insert(0, root)
            module = importlib.import_module(".".join(parts))
            if Path(module.__file__ or "").resolve() != path:
                raise ModelLoadError(
                    f"{path.name}: importing it as {'.'.join(parts)} found another module "
                    f"({module.__file__}); rename the file or its folder"
                )
            return module
        return _exec_file(path)
    except ModelLoadError:
        raise
    except SyntaxError as exc:
        where = _shown(exc.filename or str(path))
        raise ModelLoadError(f"{where}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        at = location_of(exc)
        missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
        hint = (
            ": run modelcheck from the folder that holds models/ (a model file imports from "
            "its own folder, the nearest folder above it holding models/, and the current one)"
            if (missing or "").partition(".")[0] == "models" and len(parts) == 1
            else ""
        )
        raise ModelLoadError(
            f"{_shown(str(path))}: loading failed: {type(exc).__name__}: {exc}"
            + (f" (at {at})" if at else "")
            + hint
        ) from None


def _exec_file(path: Path) -> ModuleType:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    name = f"_modelcheck_file_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"{path}: cannot be loaded as a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    added = [root for root in _import_roots(path, Path.cwd()) if root not in sys.path]
    sys.path[0:0] = added
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        for root in added:
            sys.path.remove(root)
    return module


def _import_roots(path: Path, cwd: Path) -> list[str]:
    """Where a model file outside a package imports from, first to last: its own folder,
    the nearest folder above it that holds a ``models`` package (the library, so that
    ``from models.messaging.kv_call import Store`` works from a model file anywhere in a
    checkout), and the current folder (as ``python -m`` has it).

    >>> root = Path("/p")
    >>> _import_roots(root / "mine" / "m.py", root)
    ['/p/mine', '/p']
    """
    roots = [path.parent]
    for folder in path.parent.parents:
        if (folder / "models" / "__init__.py").is_file():
            roots.append(folder)
            break
    roots.append(cwd)
    return list(dict.fromkeys(str(root) for root in roots))


def _shown(filename: str) -> str:
    try:
        rel = Path(filename).resolve().relative_to(Path.cwd())
        return str(rel)
    except ValueError:
        return filename
