"""covia_proto: the sans-IO protocol core of the Covia SDK.

It builds requests, parses responses and runs multi-step flows as generators of
effects. It owns no socket, event loop, clock or source of randomness.
"""

from __future__ import annotations

import logging

from covia_proto._version import __version__

__all__ = ["__version__"]

# A library logs, applications decide where it goes (logging HOWTO, "Configuring
# Logging for a Library").
logging.getLogger("covia").addHandler(logging.NullHandler())
