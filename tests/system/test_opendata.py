"""Open data in the browser: a journalist reads how to get the data, downloads it, browses the
records (ours and a neighbouring council's), reads one with its red flags, and the dashboards;
axe checks every page visited, the not-found page included."""

import json

import pytest
from django.core.management import call_command

from openbuy.opendata.models import Record
from tests.system.test_processes import click, main_text, new_steps

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_journalist_follows_the_money(browser, live_server, transactional_db):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Record.objects.filter(publisher__local=True).exists()
    assert Record.objects.filter(publisher__local=False).count() == 6  # the neighbour's

    anyone = new_steps(browser, live_server)
    anyone.visit("/")
    click(anyone, "link", "Open data")
    anyone.see_heading("Open data")
    text = main_text(anyone)
    assert "links.next" in text and "Publication policy" in text

    # The bulk download is a complete release package.
    with anyone.page.expect_download() as download:
        anyone.page.get_by_role("link", name="All releases (OCDS release package, JSON)").click()
    package = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert package["version"] == "1.1" and package["releases"]

    click(anyone, "link", "browse every record")
    anyone.see_heading("Contracting records")
    anyone.page.get_by_label("Title, buyer or ocid").fill("benches")
    click(anyone, "button", "Search")
    click(anyone, "link", "Park benches")
    text = main_text(anyone)
    assert "Imported from open data published by" in text
    assert "Contract worth much more than the award" in text and "1.25 times" in text

    anyone.visit("/insights/")
    anyone.see_heading("Dashboards")
    anyone.page.get_by_label("Whose data").select_option("all")
    click(anyone, "button", "Show")
    assert "Acme Services Ltd" in main_text(anyone)
    click(anyone, "link", "red flags here, with what each means")
    anyone.see_heading("Red flags")
    click(anyone, "link", "Only one bid")  # an indicator's own list
    assert "Street lighting maintenance" in main_text(anyone)

    anyone.visit("/insights/buyers/riverside-borough-council/")
    click(anyone, "link", "with what each means")  # this buyer's flags only
    anyone.see_heading("Red flags: Riverside Borough Council")
    assert "Street lighting maintenance" not in main_text(anyone)
    anyone.visit("/open-data/records/ocds-nothing-here/")
    assert "not found" in main_text(anyone).lower()
