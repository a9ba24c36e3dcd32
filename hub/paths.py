"""Where the hub finds the files that live beside its code.

Migrations are kept at the top of the repository (`migrations/`), so the hub runs from a checkout or an
editable install (`pip install -e .`), which is how `deploy/README.md` installs it; `HUB_MIGRATIONS_DIR`
points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = Path(os.environ.get("HUB_MIGRATIONS_DIR") or PACKAGE_DIR.parent / "migrations")
