"""The hub's JSON API for platforms and tools (mounted at `/api/v1`, see `hub.features`): observable lookup.

Token authentication as for TAXII; every answer goes through the visibility rule; errors are JSON.
"""

from __future__ import annotations

from hub.public import TokenSurface

bp = TokenSurface("api", __name__)

from hub.api import cases, views  # noqa: E402,F401  (attach the routes to `bp`)
