"""The API does what the pages do for prizes, ratings and debriefs at a stage gate, with the
same permissions."""

import pytest

from openbuy.evaluation import services
from openbuy.evaluation.tests.test_award import scored  # noqa: F401 - fixture
from openbuy.evaluation.tests.test_gates import _refs, staged  # noqa: F401 - fixture
from openbuy.evaluation.tests.test_prizes import _subs, challenge  # noqa: F401 - fixture
from openbuy.lessons import capture

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _post(client, path, body):
    return client.post(f"{API}{path}", body, content_type="application/json")


def test_prizes_through_the_api(client, personas, challenge):  # noqa: F811
    coop, bigco = _subs(challenge, personas)
    path = f"/processes/{challenge.pk}/evaluation/prizes"
    body = {
        "prizes": [
            {"submission": coop.public_id, "amount": 3000, "reason": "Best idea."},
            {"submission": bigco.public_id, "amount": "1500.50", "reason": "Runner-up."},
        ]
    }
    assert _post(client, path, body).status_code == 401
    for who in ("supplier", "evaluator", "other_buyer"):
        client.force_login(personas[who])
        assert _post(client, path, body).status_code == 403, who
    assert client.get(f"{API}/processes/{challenge.pk}/award").status_code == 404
    client.force_login(personas["buyer"])
    wrong = _post(client, path, {"prizes": [{**body["prizes"][0], "submission": "nope"}]})
    assert wrong.status_code == 422 and "prizes.0.submission" in wrong.content.decode()
    too_much = _post(client, path, {"prizes": [{**body["prizes"][0], "amount": "6000"}]})
    assert too_much.status_code == 422 and "prize pool" in too_much.content.decode()
    made = _post(client, path, body)
    assert made.status_code == 201, made.content
    assert [(p["place"], p["amount"]) for p in made.json()] == [(1, "3000.00"), (2, "1500.50")]
    client.logout()
    notice = client.get(f"{API}/processes/{challenge.pk}/award").json()
    assert notice["awards"] == [] and notice["prizes"][0]["winner"]["slug"] == personas["coop"].slug
    debrief = client.get(f"{API}/processes/{challenge.pk}/debriefs/{bigco.public_id}")
    assert debrief.status_code == 200


def test_ratings_through_the_api(client, personas, opened, scored):  # noqa: F811
    sam_sub, _ = scored
    path = f"/processes/{opened.pk}/rating"
    marks = {"clarity": 4, "answers": 5, "debrief": 3, "timeliness": 2, "comment": "Clear."}
    client.force_login(personas["supplier"])
    early = _post(client, path, marks)
    assert early.status_code == 422 and "once the award" in early.content.decode()
    services.award(actor=personas["buyer"], process=opened, submission=sam_sub, rationale="Best.")
    for who in ("resident", "buyer", "other_buyer"):
        client.force_login(personas[who])
        assert _post(client, path, marks).status_code == 403, who
    client.force_login(personas["supplier"])
    bad = _post(client, path, {**marks, "debrief": 9})
    assert bad.status_code == 422 and "debrief" in bad.content.decode()
    wrong = _post(client, path, {**marks, "organisation": personas["bigco"].slug})
    assert wrong.status_code == 422 and "organisation" in wrong.content.decode()
    made = _post(client, path, marks)
    assert made.status_code == 201 and made.json()["organisation"]["slug"] == personas["coop"].slug
    again = _post(client, path, marks)
    assert again.status_code == 422 and "already rated" in again.content.decode()
    client.logout()
    averages = client.get(f"{API}/organisations/{personas['council'].slug}/ratings").json()
    assert averages["count"] == 1 and averages["clarity"] == 4.0
    assert client.get(f"{API}/organisations/{personas['coop'].slug}/ratings").status_code == 404


def test_a_stopped_supplier_reads_its_debrief_through_the_api_at_the_gate(
    client,
    personas,
    staged,  # noqa: F811
):
    coop, bigco = _refs(staged, personas)
    path = f"{API}/processes/{staged.pk}/debriefs/{bigco}"
    assert client.get(path).status_code == 404
    services.gate_decide(
        actor=personas["buyer"],
        process=staged,
        decisions={coop: ("continue", "Passed."), bigco: ("stop", "Kill criterion met.")},
        lesson=capture.no_lesson("The kill criterion did its job."),
    )
    found = client.get(path)
    assert found.status_code == 200
    body = found.json()
    assert body["won"] is False and body["winner"]["submission"] == coop
