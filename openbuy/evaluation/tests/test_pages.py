"""The evaluation pages, through the Django test client."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbuy.evaluation import blinding, selectors, services
from openbuy.evaluation.models import Declaration, Score
from openbuy.evaluation.tests.conftest import add_supplier, open_phase
from openbuy.processes.models import Submission


def _urls(process, submission, criterion):
    base = f"/processes/{process.pk}/evaluation/"
    return [
        base,
        f"{base}evaluators/",
        f"{base}criteria/{criterion.number}/unblind/",
        f"{base}results/",
        f"{base}results/{submission.public_id}/{criterion.number}/",
        f"{base}{submission.public_id}/",
    ]


def _answer_blocks(html: str) -> list[str]:
    return re.findall(r'<div class="govuk-inset-text ob-response">(.*?)</div>', html, re.S)


def quality_of(submission):
    return submission.phase.process.criteria.get(kind="quality")


def _score(personas, who, submission, criterion, value):
    services.score_set(
        actor=personas[who],
        submission=submission,
        criterion=criterion,
        score=value,
        justification=f"{who} read it carefully",
    )


def test_an_evaluator_declares_from_the_panel_page(client, personas, evaluators, sam_sub, rhys_sub):
    client.force_login(personas["evaluator"])
    url = f"/processes/{sam_sub.phase.process_id}/evaluation/"
    coop, bigco = sam_sub.organisation.slug, rhys_sub.organisation.slug
    page = client.get(url).content.decode()
    # One form: a question per supplier, by name, each field its own id for the error summary.
    assert f'name="conflict_{coop}"' in page and f'name="conflict_{bigco}"' in page
    assert "Patel Mobility Co-operative" in page and "Northgate Systems plc" in page
    for submission in (sam_sub, rhys_sub):
        assert submission.public_id not in page  # no way in, and no reference, before declaring

    # A conflict without details is refused with a message linked to its field, keeping what
    # was typed, and nothing is recorded.
    r = client.post(url, {f"conflict_{coop}": "no", f"conflict_{bigco}": "yes"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "Describe your conflict with Northgate Systems plc" in page
    assert f'href="#id_details_{bigco}"' in page and f'id="id_details_{bigco}"' in page
    assert re.search(rf'name="conflict_{coop}" value="no"[^>]*checked', page)  # kept
    assert not Declaration.objects.exists()
    r = client.post(url, {f"conflict_{coop}": "no"})
    assert f'href="#id_conflict_{bigco}' in r.content.decode()
    assert not Declaration.objects.exists()

    r = client.post(
        url,
        {
            f"conflict_{coop}": "no",
            f"conflict_{bigco}": "yes",
            f"details_{bigco}": "Ex-employee",
        },
    )
    assert r.status_code == 302 and r.url == url
    assert {(d.submission, d.has_conflict) for d in Declaration.objects.all()} == {
        (sam_sub, False),
        (rhys_sub, True),
    }
    page = client.get(url).content.decode()
    label = selectors.labels(sam_sub.phase)[sam_sub.pk]
    assert f"/evaluation/{sam_sub.public_id}/" in page and f"Response {label}" in page
    assert f"/evaluation/{rhys_sub.public_id}/" not in page
    assert "Conflict: Ex-employee" in page and 'name="conflict_' not in page
    assert client.get(f"{url}{rhys_sub.public_id}/").status_code == 403
    # Nor the panel's scores and reasons for it.
    services.declare(actor=personas["frontline"], submission=rhys_sub, has_conflict=False)
    _score(personas, "frontline", rhys_sub, quality_of(rhys_sub), "5")
    page = client.get(f"{url}results/").content.decode()
    assert "frontline read it carefully" not in page


def test_the_evaluate_page_is_blind_and_saves_a_score(client, personas, declared, sam_sub, quality):
    client.force_login(personas["evaluator"])
    url = f"/processes/{sam_sub.phase.process_id}/evaluation/{sam_sub.public_id}/"
    r = client.get(url)
    assert r.status_code == 200
    page = r.content.decode()
    blocks = _answer_blocks(page)
    assert len(blocks) == 2  # quality and social value; price is scored apart
    for block in blocks:
        assert "Patel" not in block and "Sam" not in block and "Co-operative" not in block
        assert blinding.PLACEHOLDER in block
        assert '<mark class="ob-echo">' in block
    # Nor anywhere else on the page (title, headings, crumbs).
    for identifying in ("Patel", "Co-operative", "Sam "):
        assert identifying not in page
    prefix = f"c{quality.number}"
    r = client.post(
        url,
        {
            "criterion": quality.number,
            f"{prefix}-score": "7.5",
            f"{prefix}-justification": "A clear plan with named staff.",
        },
    )
    assert r.status_code == 302 and r.url == url
    saved = Score.objects.get()
    assert (str(saved.score), saved.justification) == ("7.50", "A clear plan with named staff.")
    page = client.get(url).content.decode()
    assert "A clear plan with named staff." in page
    assert "Change the score" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [("11", "Enter a score from 0 to 10"), ("abc", "Enter the score as a number")],
)
def test_a_bad_score_is_explained_and_the_justification_kept(
    client, personas, declared, sam_sub, quality, typed, message
):
    client.force_login(personas["evaluator"])
    url = f"/processes/{sam_sub.phase.process_id}/evaluation/{sam_sub.public_id}/"
    prefix = f"c{quality.number}"
    r = client.post(
        url,
        {
            "criterion": quality.number,
            f"{prefix}-score": typed,
            f"{prefix}-justification": "Strong on evenings, weak on weekends.",
        },
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert message in page
    assert "Strong on evenings, weak on weekends." in page
    assert f'value="{typed}"' in page
    assert not Score.objects.exists()


def test_the_results_page_flags_a_disagreement_for_the_buyer(
    client, personas, declared, sam_sub, quality, social
):
    _score(personas, "frontline", sam_sub, quality, "3")
    _score(personas, "evaluator", sam_sub, quality, "8")
    process_id = sam_sub.phase.process_id
    moderate = f"/processes/{process_id}/evaluation/results/{sam_sub.public_id}/{quality.number}/"

    client.force_login(personas["buyer"])
    page = client.get(f"/processes/{process_id}/evaluation/results/").content.decode()
    assert "Disagreement" in page and "spread 5" in page
    assert f'href="{moderate}"' in page
    assert "frontline read it carefully" in page

    assert client.get(moderate).status_code == 200
    r = client.post(moderate, {"score": "6", "reason": "Agreed at the panel meeting."})
    assert r.status_code == 302
    page = client.get(f"/processes/{process_id}/evaluation/results/").content.decode()
    assert "Disagreement" not in page
    assert "moderated: Agreed at the panel meeting." in page

    # An evaluator sees only their own scores (they score independently), no moderation.
    client.force_login(personas["evaluator"])
    page = client.get(f"/processes/{process_id}/evaluation/results/").content.decode()
    assert "Agreed at the panel meeting." not in page
    assert "frontline read it carefully" not in page
    assert client.get(moderate).status_code == 403


def test_the_buyer_adds_an_evaluator_and_turns_blinding_off(client, personas, opened, quality):
    client.force_login(personas["buyer"])
    base = f"/processes/{opened.pk}/evaluation/"
    r = client.post(f"{base}evaluators/", {"email": "eve@example.org", "kind": "staff"})
    assert r.status_code == 200
    assert "not on the staff of Riverside Borough Council" in r.content.decode()
    r = client.post(f"{base}evaluators/", {"email": "eve@example.org", "kind": "expert"})
    assert r.status_code == 302
    r = client.post(f"{base}evaluators/", {"email": "sam@example.org", "kind": "expert"})
    assert "works for a supplier" in r.content.decode()
    r = client.post(f"{base}criteria/{quality.number}/unblind/", {"reason": "Track record"})
    assert r.status_code == 302
    page = client.get(base).content.decode()
    assert "Eve Price" in page and "blinding off — Track record" in page


@pytest.mark.parametrize("who", ["supplier", "resident", "other_buyer", "admin", "moderator"])
def test_outsiders_reach_no_evaluation_page(client, personas, declared, sam_sub, quality, who):
    _score(personas, "frontline", sam_sub, quality, "5")
    client.force_login(personas[who])
    for url in _urls(sam_sub.phase.process, sam_sub, quality):
        for method in (client.get, client.post):
            r = method(url)
            assert r.status_code in (403, 404), (who, url, r.status_code)
            assert "read it carefully" not in r.content.decode()


def test_anonymous_sees_no_evaluation_page(client, personas, declared, sam_sub, quality):
    _score(personas, "frontline", sam_sub, quality, "5")
    for url in _urls(sam_sub.phase.process, sam_sub, quality):
        r = client.get(url)
        # Sent to sign in, or (for pages that become public with the award) refused.
        assert (r.status_code == 302 and "login" in r.url) or r.status_code in (403, 404), url
        assert "read it carefully" not in r.content.decode()


def test_the_panel_runs_the_panel_page_but_not_the_buyer_pages(
    client, personas, declared, sam_sub, quality
):
    base = f"/processes/{sam_sub.phase.process_id}/evaluation/"
    client.force_login(personas["frontline"])
    assert client.get(base).status_code == 200
    assert client.get(f"{base}results/").status_code == 200
    for url in (f"{base}evaluators/", f"{base}criteria/{quality.number}/unblind/"):
        assert client.get(url).status_code == 403
    # The buyer runs the panel but does not read submissions to score them.
    client.force_login(personas["buyer"])
    assert client.get(f"{base}{sam_sub.public_id}/").status_code == 403


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_panel_and_results_pages_make_as_many_queries_for_two_submissions_as_for_four(
    client, personas, tender, submit, rival, clock
):
    add_supplier(personas, "ferry", "Ferryside Access Ltd", "Farah Quinn")
    add_supplier(personas, "lumen", "Lumen Doors CIC", "Lee Hart")
    for who, price in (("supplier", "1000"), ("rival", "800"), ("ferry", "900"), ("lumen", "950")):
        submit(tender, who, text=f"{who} can do this well and on time.", price=price)
    open_phase(personas, tender, clock)
    for user in ("frontline", "evaluator"):
        services.evaluator_add(
            actor=personas["buyer"],
            process=tender,
            user=personas[user],
            kind="staff" if user == "frontline" else "expert",
        )
    submissions = list(Submission.objects.filter(phase=tender.phase).order_by("id"))
    for who in ("frontline", "evaluator"):
        for submission in submissions:
            services.declare(actor=personas[who], submission=submission, has_conflict=False)
            for criterion in tender.criteria.exclude(kind="price"):
                _score(personas, who, submission, criterion, "5")

    base = f"/processes/{tender.pk}/evaluation/"
    client.force_login(personas["evaluator"])
    panel_four = _count(client, base)
    client.force_login(personas["buyer"])
    results_four = _count(client, f"{base}results/")

    # The same pages when only two of the submissions are opened (the pages list opened ones).
    Submission.objects.filter(pk__in=[s.pk for s in submissions[2:]]).update(opened=None)
    client.force_login(personas["evaluator"])
    assert _count(client, base) == panel_four
    client.force_login(personas["buyer"])
    assert _count(client, f"{base}results/") == results_four


def test_a_cleared_evaluator_downloads_attachments_under_a_neutral_name(
    client, personas, tender, submit, rival, clock
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    upload = SimpleUploadedFile("Patel Mobility plan.pdf", pdf, content_type="application/pdf")
    submit(tender, "supplier", text="Our plan.", price="1000", add_files=[upload])
    submit(tender, "rival", text="Theirs.", price="900")
    process = open_phase(personas, tender, clock)
    services.evaluator_add(
        actor=personas["buyer"], process=process, user=personas["evaluator"], kind="expert"
    )
    services.evaluator_add(
        actor=personas["buyer"], process=process, user=personas["frontline"], kind="staff"
    )
    sam = process.phase.submissions.get(organisation=personas["coop"])
    [entry] = sam.opened["files"]
    path = f"/processes/{process.pk}/evaluation/{sam.public_id}/files/{entry['id']}/"
    client.force_login(personas["evaluator"])
    assert client.get(path).status_code == 403  # not declared yet
    services.declare_organisations(
        actor=personas["evaluator"],
        process=process,
        answers={personas["coop"].pk: (False, ""), personas["bigco"].pk: (False, "")},
    )
    page = client.get(f"/processes/{process.pk}/evaluation/{sam.public_id}/").content.decode()
    assert "Files are not blinded" in page and "[the supplier] plan.pdf" in page
    assert "Patel" not in page
    got = client.get(path)
    assert got.status_code == 200 and got.content == pdf
    label = selectors.labels(sam.phase)[sam.pk]
    assert got["Content-Disposition"] == (
        f'attachment; filename="response-{label}-{entry["id"][:8]}.pdf"'
    )
    assert got["X-Content-Type-Options"] == "nosniff"
    assert client.get(path.replace(entry["id"], "0" * 32)).status_code == 404
    # A conflicted evaluator, and anyone off the panel, get nothing.
    services.declare_organisations(
        actor=personas["frontline"],
        process=process,
        answers={personas["coop"].pk: (True, "My cousin."), personas["bigco"].pk: (False, "")},
    )
    for who in ("frontline", "supplier", "rival", "resident"):
        client.force_login(personas[who])
        assert client.get(path).status_code in (403, 404), who
