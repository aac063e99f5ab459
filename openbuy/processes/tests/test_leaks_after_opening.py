"""Once the buyer opens the responses, its officers read what was submitted; everyone else
sees only who submitted and the receipts, on every read path (how: ``sealed_leaks``)."""

import pytest
from django.test import Client

from openbuy.processes import services
from openbuy.processes.tests.leakcheck import clients, get, later, read_paths, sweep
from openbuy.processes.tests.sealed_leaks import (
    DAY,
    FILE_MARK,
    HALVES,
    MARK,
    RIVAL_MARK,
    RUNNERS,
    WORDS,
    World,
    check,
    own_views,
    set_stage,
    submit_all,
)

# A sweep makes thousands of requests: minutes on a loaded machine, so a longer limit than the
# suite's five minutes (which stays the guard against a test that hangs).
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(900)]


class _Half:
    viewers: list[str]

    def test_after_opening_the_buyer_reads_and_everyone_else_sees_only_receipts(self, sealed_world):
        _after_opening(sealed_world, self.viewers)


class TestFirstHalfOfTheViewers(_Half):
    viewers = HALVES[0]


class TestSecondHalfOfTheViewers(_Half):
    viewers = HALVES[1]


def _after_opening(world: World, viewers: list[str]) -> None:
    personas, clock = world.personas, world.clock
    world.settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    stage = set_stage(personas, world.tender, world.rival)
    submit_all(stage, world.submit, world.capture)
    clock.shift(22 * DAY)
    paths = later(read_paths(stage, WORDS))  # before opening: the admin pages of what was submitted
    services.phase_open(actor=personas["buyer"], process=stage.process)
    p, own = stage.process.pk, stage.submissions
    problems = own_views(stage, "opened")

    # Positive control: the buyer's officers read what was submitted, file included.
    for who in RUNNERS:
        session = clients(stage, who)["session"]
        for path, text in [
            (f"/processes/{p}/submissions/{own['supplier'].public_id}/", MARK),
            (f"/processes/{p}/submissions/{own['rival'].public_id}/", RIVAL_MARK),
            (
                f"/processes/{p}/submissions/{own['supplier'].public_id}/files/{stage.files[0].public_id}/",
                FILE_MARK,
            ),
        ]:
            response = get(session, path)
            if response.status != 200 or text.encode() not in response.body:
                problems.append(f"opened: {who} cannot read {text!r} at {path}")
        # A draft never submitted stays sealed, from the buyer too.
        if get(session, f"/processes/{p}/submissions/{own['drafter'].public_id}/").status != 404:
            problems.append(f"opened: {who} reaches the unsubmitted draft")

    # The public sees who submitted and the receipts, never the content.
    anonymous = Client()
    public = [
        get(anonymous, f"/processes/{p}/submissions/"),
        get(anonymous, f"/api/v1/processes/{p}/submissions"),
    ]
    for response in public:
        for receipt in (own["supplier"].receipt, own["rival"].receipt):
            if receipt.encode() not in response.body:
                problems.append(f"opened: the public does not see the receipt {receipt}")
    checked = get(anonymous, f"/api/v1/processes/receipts/{own['supplier'].receipt}")
    if checked.status != 200 or b'"matches": true' not in checked.body.replace(
        b'":true', b'": true'
    ):
        problems.append(f"opened: the receipt does not check out: {checked.body[:200]!r}")

    # And nothing else anywhere: the sweep once more, markers only.
    seen = sweep(stage, paths, viewers)
    problems += check(stage, seen, "opened", opened=True)
    assert not problems, f"{len(problems)} leaks:\n" + "\n".join(problems)
