"""Optional I/O libraries, as the user API checks them: the check belongs to the core
(``covia_proto.optional``, which the driver packages use too); these names stay
importable here."""

from __future__ import annotations

from covia_proto.optional import MissingDependencyError, require

__all__ = ["MissingDependencyError", "require"]
