"""After the deadline, until the buyer opens the responses, no read path tells anyone but the
submitter what was submitted, or how many submissions there are (how: ``sealed_leaks``)."""

import pytest

from openbuy.processes.tests.leakcheck import ANONYMOUS
from openbuy.processes.tests.sealed_leaks import HALVES, before_opening

# A sweep makes thousands of requests: minutes on a loaded machine, so a longer limit than the
# suite's five minutes (which stays the guard against a test that hangs).
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(900)]


class _Half:
    viewers: list[str]

    def test_after_the_deadline_no_read_path_tells_anyone_what_or_how_many_were_submitted(
        self, sealed_world
    ):
        found = before_opening(sealed_world, after_deadline=True, viewers=self.viewers)
        p = sealed_world.tender.pk
        for viewer, auth, path in [
            (ANONYMOUS, "session", f"/processes/{p}/"),
            (ANONYMOUS, "session", f"/api/v1/processes/{p}"),
            (ANONYMOUS, "session", "/processes/feed/"),
            ("resident", "token", "/api/v1/notifications"),
            ("buyer", "session", f"/processes/{p}/open/"),
            ("buyer", "token", f"/api/v1/processes/{p}/questions/waiting"),
            ("evaluator", "session", f"/processes/{p}/"),
            ("admin", "session", "/admin/audit/auditevent/"),
        ]:
            if viewer in self.viewers:
                assert found.seen[(viewer, auth, path)].status == 200, (viewer, auth, path)
        assert len(found.paths) > 100, len(found.paths)
        assert not found.problems, f"{len(found.problems)} leaks:\n" + "\n".join(found.problems)


class TestFirstHalfOfTheViewers(_Half):
    viewers = HALVES[0]


class TestSecondHalfOfTheViewers(_Half):
    viewers = HALVES[1]
