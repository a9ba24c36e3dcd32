"""TAXII 2.1 server: the hub's collections over the OASIS TAXII 2.1 API, with TLP enforced per object.

Mounted at `/taxii2` (see `hub.features`). Views parse, call services and render; every read goes through the
visibility rule in `hub.stix.query`.
"""

from __future__ import annotations

from hub.public import TokenSurface

bp = TokenSurface("taxii", __name__)

from hub.taxii import views  # noqa: E402,F401  (attach the routes to `bp`)
