"""Two buyers accepting at once, on real threads and real transactions: the versions stay in
one line, and a suggestion whose base moved is never applied blindly."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from openbuy.audit.services import verify_chain
from openbuy.demo.personas import create_personas
from openbuy.specifications import services
from openbuy.specifications.models import Specification, Suggestion

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_acceptances_at_once_make_one_version_each_or_refuse():
    personas = create_personas(password="x" * 12)
    spec = services.specification_create(
        actor=personas["buyer"], organisation=personas["council"], title="Evening access"
    )
    services.section_edit(
        actor=personas["buyer"],
        spec=spec,
        key="outcomes",
        body="Open until 9pm.\n\nFewer complaints.",
    )
    spec.refresh_from_db()
    base = spec.latest.section("outcomes")["body"]
    # Two pairs of suggestions: one pair edits one section each (both can go in); the other
    # both edit "outcomes" (only one can go in without review).
    same = [
        services.suggestion_create(
            actor=personas[who],
            spec=spec,
            section_key="outcomes",
            proposed_text=base.replace("9pm", hour),
            reason="Later",
        )
        for who, hour in [("supplier", "10pm"), ("resident", "11pm")]
    ]
    buyers = [personas["buyer"], personas["org_admin"]]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def accept(buyer, suggestion):
        try:
            barrier.wait()
            outcomes.append(services.suggestion_accept(actor=buyer, suggestion=suggestion))
        except ValidationError as error:
            outcomes.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=accept, args=pair) for pair in zip(buyers, same, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = [o for o in outcomes if not isinstance(o, ValidationError)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(accepted) == 1 and len(refused) == 1
    assert "resolved_text" in refused[0].message_dict
    spec = Specification.objects.get(pk=spec.pk)
    numbers = list(spec.versions.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, spec.version_count + 1))
    states = sorted(Suggestion.objects.values_list("state", flat=True))
    assert states == ["accepted", "open"]
    assert verify_chain().ok
