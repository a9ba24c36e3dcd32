"""The reporter's side: filing, receipt codes, coming back, adding information."""

from __future__ import annotations

import re

import pytest

from hub.errors import InvalidInput, NotFound
from hub.policy.tlp import Tlp
from hub.reports.crypto import code_hash, new_receipt_code, normalise_code
from hub.reports.intake import ReportInput, add_from_reporter, parse_traces, submit_report, view_receipt
from hub.reports.models import MessageKind, Status
from hub.reports.triage import add_message
from tests.reports.conftest import SECRET_TEXT, file_report


def test_receipt_code_has_125_bits_in_groups_easy_to_write_down():
    code = new_receipt_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}", code)
    assert len(normalise_code(code)) * 5 >= 100
    assert len({new_receipt_code() for _ in range(200)}) == 200


def test_receipt_code_forgives_case_spaces_and_confusable_letters():
    code = "0I1L5-ABCDE-FGHJK-MNPQR-STVWX"
    assert code_hash(code) == code_hash(" oilL5 abcde-fghjk mnpqr stvwx ".lower())
    assert code_hash(code) != code_hash(code.replace("A", "B"))


def test_only_the_hash_of_the_receipt_code_is_stored(session, sealer, world):
    report, code = file_report(session, sealer, world)
    assert report.receipt_hash == code_hash(code)
    assert normalise_code(code) not in report.receipt_hash


def test_reporter_reads_replies_but_not_internal_notes_with_the_code(session, sealer, world):
    report, code = file_report(session, sealer, world)
    p = world.p(session, world.responder)
    add_message(session, p, sealer, report, MessageKind.NOTE, "looks like the March campaign")
    add_message(session, p, sealer, report, MessageKind.REPLY, "Change your password now")
    session.commit()

    seen = view_receipt(session, sealer, code.lower().replace("-", " "))
    assert seen.contents.text == SECRET_TEXT
    assert [m.text for m in seen.messages] == ["Change your password now"]
    assert seen.messages[0].by == "Digital Helpline"


def test_wrong_code_finds_nothing_and_says_codes_cannot_be_recovered(session, sealer, world):
    file_report(session, sealer, world)
    with pytest.raises(NotFound, match="cannot be recovered"):
        view_receipt(session, sealer, new_receipt_code())
    with pytest.raises(NotFound):
        view_receipt(session, sealer, "")


def test_reporter_adds_information_and_reopens_a_resolved_report(session, sealer, world):
    report, code = file_report(session, sealer, world)
    report.status = Status.RESOLVED.value
    add_from_reporter(session, sealer, code, "They called me again from +961 70 999 999")
    session.commit()
    assert report.status == Status.IN_PROGRESS
    assert view_receipt(session, sealer, code).messages[-1].author == "reporter"


def test_reporter_cannot_add_to_a_closed_report(session, sealer, world):
    report, code = file_report(session, sealer, world)
    report.status = Status.CLOSED.value
    with pytest.raises(InvalidInput, match="closed"):
        add_from_reporter(session, sealer, code, "more")


def test_a_report_needs_a_description_or_a_trace(session, sealer, world):
    with pytest.raises(InvalidInput):
        submit_report(
            session, sealer, ReportInput(category="phishing", language="en", text="  ", traces="\n")
        )


def test_unknown_category_and_unknown_platform_are_refused(session, sealer, world):
    with pytest.raises(InvalidInput, match="what happened"):
        submit_report(session, sealer, ReportInput(category="burglary", language="en", text="x"))
    with pytest.raises(InvalidInput, match="platforms"):
        submit_report(
            session,
            sealer,
            ReportInput(category="other", language="en", text="x", platform_ids=(world.helpline.id,)),
        )


def test_traces_are_one_per_line_trimmed_and_deduplicated():
    assert parse_traces(" a.example \n\nb.example\na.example\n") == ("a.example", "b.example")
    with pytest.raises(InvalidInput):
        parse_traces("\n".join(f"{i}.example" for i in range(201)))


def test_escalation_consent_needs_a_named_platform(session, sealer, world):
    report, _ = submit_report(
        session, sealer, ReportInput(category="other", language="en", text="x", may_escalate=True)
    )
    assert report.may_escalate is False


def test_sharing_without_a_chosen_tlp_defaults_to_amber_and_no_sharing_stores_none(session, sealer, world):
    shared, _ = submit_report(
        session, sealer, ReportInput(category="other", language="en", text="x", may_share=True)
    )
    private, _ = submit_report(
        session,
        sealer,
        ReportInput(category="other", language="en", text="x", may_share=False, share_max_tlp=Tlp.CLEAR),
    )
    assert shared.share_max_tlp == Tlp.AMBER
    assert private.share_max_tlp is None
