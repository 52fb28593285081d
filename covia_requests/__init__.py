"""The sync driver: the core's effects performed with ``requests``."""

from __future__ import annotations

from covia_requests.driver import RequestsDriver

__all__ = ["RequestsDriver"]
