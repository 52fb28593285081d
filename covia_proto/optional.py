"""Optional libraries: a missing one is named with the extra that installs it, rather
than surfacing as a bare ``ModuleNotFoundError`` deep inside a call.

In the core so that a driver package (``covia_trio``), which depends on the core alone,
raises the same error as the user API. Looking a module up reads no network and no
clock: it asks the import system whether the module could be imported.
"""

from __future__ import annotations

import importlib.util

from covia_proto.errors import CoviaError

__all__ = ["MissingDependencyError", "require"]


class MissingDependencyError(CoviaError, ImportError):
    """A driver's library is not installed; the message says which extra installs it."""


def require(module: str, *, extra: str, needed_by: str) -> None:
    """Raise ``MissingDependencyError`` unless ``module`` can be imported."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken parent package, or a stub module
        found = False
    if not found:
        error = MissingDependencyError(
            f"{needed_by} needs the {module!r} package, which is not installed: "
            f"pip install 'covia[{extra}]'"
        )
        error.name = module
        raise error
