"""Authentication: pass one of these as ``auth=`` to ``Grid.connect``.

Subclass ``Auth`` and implement ``apply(headers)`` for a custom scheme. Credentials
never appear in a ``repr``, a log record or an error message.
"""

from __future__ import annotations

from covia_proto.auth import Auth, BasicAuth, BearerAuth, NoAuth

__all__ = ["Auth", "BasicAuth", "BearerAuth", "NoAuth"]
