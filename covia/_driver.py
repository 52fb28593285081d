"""The driver contract, as the user API's shells use it: it belongs to the core
(``covia_proto.drivers``, documented there in full); these names stay importable here.

A driver passed to ``connect(driver=...)`` belongs to the caller: the SDK never closes
it (closing the venue leaves it open), so one driver may serve several venues.
"""

from __future__ import annotations

from covia_proto.drivers import AsyncDriver, SyncDriver

__all__ = ["AsyncDriver", "SyncDriver"]
