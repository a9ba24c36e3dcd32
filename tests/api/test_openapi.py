"""The published OpenAPI description matches what the API answers."""

from __future__ import annotations

import json
from pathlib import Path

from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post

SPEC = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "lookup-openapi.json").read_text())


def _properties(name: str) -> set[str]:
    schema = SPEC["components"]["schemas"][name]
    parts = schema.get("allOf", [schema])
    found: set[str] = set()
    for part in parts:
        if "$ref" in part:
            found |= _properties(part["$ref"].rsplit("/", 1)[1])
        else:
            found |= set(part.get("properties", {}))
            assert set(part.get("required", [])) <= set(part.get("properties", {})) | found
    return found


def test_answers_carry_exactly_the_documented_fields(session, api_as):
    user = make_user(session, make_org(session, tier="trusted"))
    collection = make_collection(session, read=["tier:registered"], write=["tier:vetted"])
    post(session, user, collection, [indicator(Tlp.GREEN, value="documented.example")])

    result = api_as(user).post(["documented.example"]).json["results"][0]

    assert set(SPEC["paths"]["/lookup"]) == {"get", "post"}
    assert set(result) == _properties("Result")
    assert set(result["candidates"][0]) == _properties("Observable")
    assert set(result["matches"][0]) == _properties("Match")
    assert set(result["matches"][0]["matched"][0]) == _properties("Matched")
    assert result["matches"][0]["tlp"] in SPEC["components"]["schemas"]["Match"]["properties"]["tlp"]["enum"]
