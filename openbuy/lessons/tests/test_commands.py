"""``openbuy lessons``: import, reindex, similar, evaluate."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openbuy.lessons import evaluation, index, services, similarity
from openbuy.lessons.management.commands.lessons import IMPORT_HELP
from openbuy.lessons.models import Lesson, SimilarityIndex
from openbuy.lessons.tests.test_library import BRIDGE, KIOSK

CSV = (
    "title,tried,happened,why,do_differently,tags,organisation\n"
    "Kiosks nobody used,Touch-screen kiosks,Residents queued anyway,"
    'No user research with residents,Test with residents first,"kiosks, housing",'
    "riverside-borough-council\n"
    ",no title,x,y,z,,Riverside Borough Council\n"
    "Late bridge,One contractor,Late,No float in the programme,Build slack,,"
    "Westshire County Council\n"
    "Short row,only,three\n"
)


@pytest.fixture(autouse=True)
def fresh_index():
    index.forget()
    yield
    index.forget()


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("lessons", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*args) -> tuple[str, str, CommandError]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("lessons", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), raised.value


@pytest.mark.django_db
def test_import_keeps_good_rows_reports_bad_ones_and_fails(personas, tmp_path):
    path = tmp_path / "lessons.csv"
    path.write_bytes(("\ufeff" + CSV).encode())  # a spreadsheet's byte-order mark is fine
    out, err, error = failing("import", str(path))
    assert out.strip() == "read 4, stored 2, unchanged 0, rejected 2"
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("line 3: title")
    assert lines[1].startswith("line 5: ")
    assert error.returncode == 1 and "2 rows rejected" in str(error)
    kiosk = Lesson.objects.get(title="Kiosks nobody used")
    assert kiosk.organisation == personas["council"] and kiosk.status == "published"
    assert Lesson.objects.get(title="Late bridge").by == "Westshire County Council"
    # The import queued a rebuild (at once, outside a test transaction); build it here.
    index.build()
    assert index.similar("kiosks residents research")[0][0] == kiosk.pk
    # Again: nothing new.
    out, _, _ = failing("import", str(path))
    assert out.strip() == "read 4, stored 0, unchanged 2, rejected 2"
    assert Lesson.objects.count() == 2


@pytest.mark.django_db
def test_import_from_standard_input_with_no_errors(personas, monkeypatch):
    good = "\n".join(line for line in CSV.splitlines() if not line.startswith((",", "Short")))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(good.encode())))
    out, err = run("import", "-")
    assert out.strip() == "read 2, stored 2, unchanged 0, rejected 0" and err == ""


@pytest.mark.django_db
def test_import_refuses_a_missing_file_or_header(tmp_path):
    _, _, error = failing("import", str(tmp_path / "nope.csv"))
    assert "Cannot read" in str(error)
    path = tmp_path / "bad.csv"
    path.write_text("title,why\nx,y\n")
    out, err, _ = failing("import", str(path))
    assert err.startswith("line 1: The header must name the columns: missing tried")
    assert out.strip() == "read 0, stored 0, unchanged 0, rejected 1"


def test_the_help_documents_the_columns(capsys):
    assert ", ".join(services.COLUMNS) in IMPORT_HELP
    with pytest.raises(SystemExit):
        call_command("lessons", "import", "--help")
    assert "do_differently, tags, organisation" in " ".join(capsys.readouterr().out.split())


@pytest.mark.django_db
def test_reindex_says_how_many_and_how_long(personas, write):
    write(KIOSK)
    write(KIOSK | {"title": "A draft"}, publish=False)
    SimilarityIndex.objects.all().delete()
    out, _ = run("reindex")
    assert re.fullmatch(r"1 lesson indexed with the tfidf engine in \d+\.\d\d s\n", out)
    assert SimilarityIndex.objects.get(engine="tfidf").lessons == 1


@pytest.mark.django_db
def test_similar_prints_a_table_or_json(personas, write):
    kiosk = write(KIOSK)
    write(BRIDGE)
    out, _ = run("similar", "touch screen kiosks for residents", "--json")
    found = json.loads(out)
    assert [m["id"] for m in found] == [kiosk.pk]
    assert found[0]["title"] == KIOSK["title"] and 0 < found[0]["score"] <= 1
    assert set(found[0]) == {"id", "score", "title"}
    out, _ = run("similar", "touch screen kiosks for residents")
    assert re.fullmatch(
        rf"0\.\d{{4}}  #{kiosk.pk}  {KIOSK['title']} \(Riverside Borough Council\)\n", out
    )
    out, _ = run("similar", "kiosks and steel bridges", "--limit", "1", "--threshold", "0")
    assert len(out.strip().splitlines()) == 1
    out, _ = run("similar", "quantum chromodynamics")
    assert out == "No similar lessons.\n"
    assert json.loads(run("similar", "quantum chromodynamics", "--json")[0]) == []
    _, _, error = failing("similar", "kiosks", "--limit", "0")
    assert "--limit" in str(error)


@pytest.fixture
def write(personas):
    def _write(data, *, publish=True):
        lesson = services.lesson_create(
            actor=personas["buyer"], organisation=personas["council"], data=data, publish=publish
        )
        index.build()
        return lesson

    return _write


# No database here: pytest-django refuses any query, so evaluate is shown not to touch it.


def test_evaluate_prints_each_engine(monkeypatch):
    monkeypatch.setattr(similarity, "_semantic_packages_installed", lambda: False)
    out, _ = run("evaluate", "--min-precision", "0.5")
    labelled = evaluation.load_labelled()
    expected = evaluation.evaluate(similarity.TfidfEngine(), labelled)
    lines = out.splitlines()
    assert lines[0] == (
        f"{len(labelled.lessons)} lessons, {len(labelled.drafts)} drafts, "
        f"{len(labelled.judgements)} judged pairs"
    )
    assert len(labelled.lessons) >= 60 and len(labelled.judgements) >= 200
    assert lines[1].startswith(
        f"tfidf: precision@3 {expected.precision_at_3:.3f}  recall@5 {expected.recall_at_5:.3f}  "
        f"(best attainable precision@3 {expected.attainable_precision_at_3:.3f}; "
    )
    assert lines[2].startswith("semantic: unavailable — ")
    assert "openbuy[semantic]" in lines[2]


def test_evaluate_meets_the_issue_target_of_0_7(monkeypatch):
    """Issue #8: the default engine reaches precision@3 0.7; the command exits 0."""
    monkeypatch.setattr(similarity, "_semantic_packages_installed", lambda: False)
    out, _ = run("evaluate")
    precision = float(re.search(r"^tfidf: precision@3 (\d\.\d{3})", out, re.M).group(1))
    assert precision >= 0.7


def test_evaluate_fails_below_the_precision_wanted(monkeypatch):
    monkeypatch.setattr(similarity, "_semantic_packages_installed", lambda: False)
    out, _, error = failing("evaluate", "--min-precision", "0.99")
    assert "tfidf: precision@3" in out
    assert "below precision@3 0.99" in str(error)


def test_evaluate_with_the_semantic_engine_when_it_can_run(monkeypatch, settings):
    """A stand-in encoder (counts of letters) in place of the sentence model: the semantic
    engine is evaluated alongside TF-IDF."""

    def letters(texts):
        import numpy as np

        return np.array(
            [[t.lower().count(c) + 0.01 for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]
        )

    real = similarity.engine_from_name
    monkeypatch.setattr(
        similarity, "engine_from_name", lambda name="tfidf", **_: real(name, encode=letters)
    )
    settings.LESSONS_ENGINE = "semantic"
    out, _ = run("evaluate", "--min-precision", "0")  # a stand-in encoder: no target to meet
    assert re.search(r"^tfidf: precision@3 0\.\d{3}  recall@5", out, re.M)
    assert re.search(r"^semantic: precision@3 \d\.\d{3}  recall@5", out, re.M)


def test_evaluate_fails_when_the_configured_engine_cannot_run(monkeypatch, settings):
    monkeypatch.setattr(similarity, "_semantic_packages_installed", lambda: False)
    settings.LESSONS_ENGINE = "semantic"
    out, _, error = failing("evaluate")
    assert "semantic: unavailable" in out
    assert "The configured engine, semantic, could not be evaluated" in str(error)


def test_evaluate_reads_another_labelled_set(tmp_path):
    path = tmp_path / "set.json"
    path.write_text(
        json.dumps(
            {
                "lessons": [
                    {
                        "id": 1,
                        "title": "Late lorries",
                        "tried": "",
                        "happened": "",
                        "why": "",
                        "do_differently": "",
                        "tags": "",
                    },
                    {
                        "id": 2,
                        "title": "Kiosks unused",
                        "tried": "",
                        "happened": "",
                        "why": "",
                        "do_differently": "",
                        "tags": "",
                    },
                ],
                "drafts": [{"id": "A", "text": "Buying lorries"}],
                "pairs": [{"draft": "A", "lesson": 1, "relevant": True}],
            }
        )
    )
    # One relevant lesson, ranked first: standard precision@3 is 1/3, the best attainable.
    out, _ = run("evaluate", "--file", str(path), "--details", "--min-precision", "0.3")
    assert out.startswith(
        "2 lessons, 1 drafts, 1 judged pairs\ntfidf: precision@3 0.333  recall@5 1.000  "
        "(best attainable precision@3 0.333; "
    )
    assert "A [1] 0.33 1.00" in out
    path.write_text("{}")
    _, _, error = failing("evaluate", "--file", str(path))
    assert "Cannot read the labelled set" in str(error)
