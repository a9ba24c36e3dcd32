from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import TAXII, get, post


def test_post_then_read_back(client, hub):
    obj = indicator(Tlp.GREEN)
    r = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [obj]})
    assert r.status_code == 202, r.get_data(as_text=True)
    status = r.get_json(force=True)
    assert status["success_count"] == 1
    r = get(client, f"status/{status['id']}/", hub.producer)
    assert r.status_code == 200
    r = get(client, f"collections/{hub.shared.id}/objects/", hub.reader)
    assert r.headers["Content-Type"] == TAXII
    assert [o["id"] for o in r.get_json(force=True)["objects"]] == [obj["id"]]
