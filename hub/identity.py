"""The hub's own STIX identity: the `created_by_ref` of objects shared without attribution."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

HUB_IDENTITY_NAMESPACE = uuid.UUID("9b0f3c52-7a7e-4c1d-8f0e-5d2a1c6b4e83")


def hub_identity_id(app_config: Mapping[str, Any]) -> str:
    """`identity--uuid5(namespace, HUB_NAME)`: stable for one hub, different for differently named hubs."""
    return f"identity--{uuid.uuid5(HUB_IDENTITY_NAMESPACE, str(app_config['HUB_NAME']))}"
