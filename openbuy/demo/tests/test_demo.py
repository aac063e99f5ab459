from django.core.management import call_command

from openbuy.accounts.models import Membership, Organisation, User
from openbuy.audit.services import verify_chain
from openbuy.demo.personas import PERSONAS


def test_demo_loads_every_persona_once_and_prints_the_sign_ins(db, capsys):
    call_command("demo", "--if-empty")
    out = capsys.readouterr().out
    for persona in PERSONAS:
        assert persona.email in out
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())
    call_command("demo", "--if-empty")
    call_command("demo")
    assert (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert verify_chain().ok


def test_demo_has_a_specification_written_in_the_open(db, client):
    from openbuy.specifications.models import Specification, Suggestion

    call_command("demo", "--if-empty")
    spec = Specification.objects.get()
    assert spec.needs.count() == 1
    states = sorted(spec.suggestions.values_list("state", flat=True))
    assert states == [Suggestion.State.ACCEPTED, Suggestion.State.OPEN]
    page = client.get(f"/specifications/{spec.pk}/").content.decode()
    assert "ISO 14001" in page and "ob-annotated" in page
    assert "Mandatory accreditation" in page  # the wording check finds the demo's trap


def test_demo_is_not_loaded_into_a_database_with_real_accounts(db, capsys):
    User.objects.create_user("real@council.example", "x" * 12, name="Real Person")
    call_command("demo", "--if-empty")
    assert "not loaded" in capsys.readouterr().out
    assert User.objects.count() == 1


def test_demo_personas_can_sign_in(client, db):
    from openbuy.demo.personas import DEMO_PASSWORD

    call_command("demo")
    for persona in PERSONAS:
        response = client.post(
            "/account/login/", {"login": persona.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, persona.email
        client.logout()
