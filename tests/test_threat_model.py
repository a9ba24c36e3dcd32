"""Every test that `docs/threat-model.md` names as proof exists: renaming or deleting one fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITATION = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_the_threat_model_cites_only_tests_that_exist() -> None:
    cited = CITATION.findall((ROOT / "docs" / "threat-model.md").read_text())
    assert len(cited) > 40
    missing = [
        f"{path}::{name}"
        for path, name in cited
        if not (ROOT / path).is_file()
        or not re.search(rf"^def {name}\(", (ROOT / path).read_text(), flags=re.MULTILINE)
    ]
    assert not missing, missing
