"""Demo open data: every demo process published as OCDS, a neighbouring council's published
OCDS imported beside it (so the dashboards and red flags have something to compare), the red
flags worked out and the CSV and Excel downloads made."""

from pathlib import Path

from openbuy.opendata import export, flags, importing, publish
from openbuy.opendata.models import Record

NEIGHBOUR = Path(__file__).parent / "data" / "neighbour-ocds.json"


def publish_open_data() -> tuple[int, int]:
    """How many of our records are published, and how many were imported."""
    publish.everything()  # the signals have published as the demo was made; this catches up
    with NEIGHBOUR.open("rb") as stream:
        # Checked against the schema by the tests; the demo needs no schema to load it.
        importing.import_file(stream, name=NEIGHBOUR.name, validate=False)
    flags.refresh()
    export.write()
    local = Record.objects.filter(publisher__local=True).count()
    return local, Record.objects.count() - local
