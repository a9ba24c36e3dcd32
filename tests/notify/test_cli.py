"""`hub webhook add/list/remove` and `hub worker --once` as operators type them; SSRF refusals when added."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hub.cli import main
from tests.factories import make_org


def test_webhook_commands_refuse_internal_and_plain_http_targets_and_print_the_secret_last(
    app: Flask, session: Session
):
    make_org(session, "Example Platform", org_type="platform")
    session.commit()
    runner = app.test_cli_runner()
    for url, reason in (
        ("https://127.0.0.1/hook", "private"),
        ("https://169.254.169.254/latest", "private"),
        ("https://10.0.0.5/hook", "private"),
        ("http://example.org/hook", "https"),
        ("not a url", "https"),
    ):
        result = runner.invoke(main, ["webhook", "add", "Example Platform", "--url", url])
        assert result.exit_code != 0 and reason in result.output.lower(), (url, result.output)
    result = runner.invoke(
        main, ["webhook", "add", "Example Platform", "--url", "https://1.1.1.1/x", "--events", "bogus"]
    )
    assert result.exit_code != 0 and "unknown event" in result.output
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    result = runner.invoke(
        main, ["webhook", "add", "Example Platform", "--url", "http://127.0.0.1:9/hook", "--events", "cases"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("whsec_")
    listed = runner.invoke(main, ["webhook", "list"]).output
    assert "Example Platform" in listed and "cases" in listed
    hook_id = listed.split("\t", 1)[0]
    assert runner.invoke(main, ["webhook", "remove", hook_id]).exit_code == 0
    assert runner.invoke(main, ["webhook", "remove", hook_id]).exit_code != 0
    once = runner.invoke(main, ["worker", "--once"])
    assert once.exit_code == 0 and "sent 0" in once.output
