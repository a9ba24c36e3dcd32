"""Delete stored copies of official TLP marking definitions that differ from the official ones (forgeries).

Before this revision a writer could store an object with an official TLP marking id but other content (issue
10, finding 4: TLP:RED's id named "TLP:CLEAR"), served to every reader. Ingest now refuses them; this removes
those already stored (their observable index rows go with them, by cascade). The official definitions are
written out here, not imported, so this revision means the same thing whatever the code becomes. Objects that
*reference* these ids are untouched: their TLP level comes from the id, never from a stored definition.

Revision ID: 0008_forged_tlp_markings
Revises: 0008_object_via_feed
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008_forged_tlp_markings"
down_revision = "0008_object_via_feed"
branch_labels = None
depends_on = None

_TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP2 = {
    "94868c89-83c2-464b-929b-a1a8aa3c8487": ("TLP:CLEAR", "clear"),
    "bab4a63c-aed9-4cf5-a766-dfca5abac2bb": ("TLP:GREEN", "green"),
    "55d920b0-5e8b-4f79-9ee9-91f868d9b421": ("TLP:AMBER", "amber"),
    "939a9414-2ddd-4d32-a0cd-375ea402b003": ("TLP:AMBER+STRICT", "amber+strict"),
    "e828b379-4e03-4974-9ac4-e53a884c97c1": ("TLP:RED", "red"),
}
_TLP1 = {
    "613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
    "34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}


def _official() -> dict[str, dict]:
    official = {}
    for uuid, (name, value) in _TLP2.items():
        official[f"marking-definition--{uuid}"] = {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": f"marking-definition--{uuid}",
            "created": "2022-10-01T00:00:00.000Z",
            "name": name,
            "extensions": {_TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": value}},
        }
    for uuid, colour in _TLP1.items():
        official[f"marking-definition--{uuid}"] = {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": f"marking-definition--{uuid}",
            "created": "2017-01-20T00:00:00.000Z",
            "definition_type": "tlp",
            "name": f"TLP:{colour.upper()}",
            "definition": {"tlp": colour},
        }
    return official


def _canonical(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def upgrade():
    official = _official()
    versions = sa.table("object_versions", sa.column("id"), sa.column("stix_id"), sa.column("body"))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(versions.c.id, versions.c.stix_id, versions.c.body).where(
            versions.c.stix_id.in_(sorted(official))
        )
    ).all()
    forged = []
    for row in rows:
        body = json.loads(row.body)
        expected = official[row.stix_id]
        short = {k: v for k, v in expected.items() if k != "name"}  # the STIX 2.0 form of TLP 1.0
        if _canonical(body) != _canonical(expected) and not (
            "definition_type" in expected and _canonical(body) == _canonical(short)
        ):
            forged.append(row.id)
    if forged:
        bind.execute(sa.delete(versions).where(versions.c.id.in_(forged)))


def downgrade():
    """Nothing to restore: forgeries are not brought back."""
