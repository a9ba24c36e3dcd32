"""schemas/taxii-openapi.json describes the API as served: the same routes, and fuzzing finds no crash."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import TAXII, post

SPEC_PATH = Path(__file__).resolve().parents[2] / "schemas" / "taxii-openapi.json"
METHODS = {"GET", "POST", "DELETE", "PUT", "PATCH"}


def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


def test_every_taxii_route_is_in_the_spec_and_vice_versa(app):
    served = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/taxii2")
        for method in rule.methods & METHODS
    }
    described = {
        (path, method)
        for path, item in spec()["paths"].items()
        for method in item
        if method.lower() != "parameters"
    }
    assert served == described


def test_fuzzing_finds_no_server_error_and_only_taxii_error_bodies(app, client, hub):
    """A bounded schemathesis run: every operation, valid and invalid cases, as an authenticated member."""
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [indicator(Tlp.GREEN)]})
    schema = schemathesis.openapi.from_dict(spec())
    schema.app = app
    auth = {**hub.producer.headers, "Accept": TAXII}
    collection_ids = st.sampled_from([hub.shared.id, hub.public.id, hub.drop_box.id, "no-such-collection"])
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation, mode in itertools.product(operations, schemathesis.GenerationMode):
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        @given(case=strategy, collection_id=collection_ids)
        def check(case, collection_id):
            if case.path_parameters and "collection_id" in case.path_parameters:
                case.path_parameters["collection_id"] = collection_id
            response = case.call(headers=auth)
            assert response.status_code < 500, response.text
            assert response.headers["content-type"] == [TAXII]
            if response.status_code >= 400:
                body = response.json()
                assert body["title"] and body["http_status"] == str(response.status_code)

        try:
            check()
        except Unsatisfiable:  # an operation without parameters or body has no invalid form
            assert mode is schemathesis.GenerationMode.NEGATIVE and operation.path == "/taxii2/"
