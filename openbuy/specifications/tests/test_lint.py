"""The plain-English and fairness checks on specification text (no database needed)."""

from __future__ import annotations

import pickle
from collections import Counter
from decimal import Decimal

import pytest

from openbuy.specifications import lint
from openbuy.specifications.lint import (
    RULES,
    Finding,
    LintConfig,
    config_from_settings,
    lint_sections,
    lint_text,
    load_brands,
    load_jargon,
    parse_money,
    reading_ease,
)
from openbuy.specifications.tests.lint_corpus import CORPUS

# One-sentence texts are too short to judge readability fairly, so the corpus switches it off.
CORPUS_CONFIG = LintConfig(contract_value=Decimal("200000"), reading_ease_target=-1000)

PLAIN = (
    "We need help to keep the parks clean. The team will pick up litter every day. They will "
    "empty the bins twice a week. If a bin is full, people can tell us online. We will check "
    "the work each month and talk to the team about any problems."
)
DENSE = (
    "The contractor shall be responsible for the comprehensive implementation, administration "
    "and continuous optimisation of integrated facilities management arrangements, incorporating "
    "preventative maintenance obligations, statutory compliance documentation and performance "
    "monitoring methodologies, notwithstanding contractual variations authorised by the "
    "contracting authority."
)
DOCUMENT = """## What we need

The council wants a new system for Special Educational Needs and Disabilities (SEND) teams.
Going forward, the supplier must utilise Microsoft Dynamics. It must hold ISO 27001.

- Bidders must have a minimum annual turnover of £2m.
- Bidders must have been trading for at least 3 years.
- Professional indemnity insurance of £10 million is required.
- The supplier shall provide 4 dedicated developers.

| KPI | Target |
|-----|--------|
| Tickets closed in a day | 90% |

See https://www.example.gov.uk/IBM and `SAP` for details.

```
IBM PPE MUST be ignored in code
```
"""


def _rules(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in findings}


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_corpus(case):
    assert _rules(lint_text(case.text, CORPUS_CONFIG)) == case.rules


def test_corpus_covers_every_rule_and_enough_clean_sentences():
    hits = Counter(rule for case in CORPUS for rule in case.rules)
    assert len(CORPUS) >= 40
    assert len({case.id for case in CORPUS}) == len(CORPUS)
    assert sum(1 for case in CORPUS if not case.rules) >= 15
    for rule in set(RULES) - {"readability"}:  # readability has its own tests below
        assert hits[rule] >= 2, rule


def test_rule_codes_are_the_published_ones():
    assert set(RULES) == {
        "brand",
        "inputs",
        "long-sentence",
        "readability",
        "jargon",
        "acronym",
        "turnover",
        "years-trading",
        "insurance",
        "accreditation",
    }


@pytest.mark.parametrize(
    "text", [case.text for case in CORPUS] + [DOCUMENT, DENSE], ids=lambda text: text[:30]
)
def test_passage_is_the_text_at_its_offsets(text):
    config = LintConfig(contract_value=Decimal("200000"))
    for finding in lint_text(text, config):
        assert finding.passage == text[finding.start : finding.end]
        assert finding.passage.strip()
        assert finding.rule in RULES
        assert finding.why and finding.fix


def test_findings_are_sorted_and_never_repeated():
    findings = lint_text(DOCUMENT + "\n\n" + DENSE, LintConfig())
    assert [finding.start for finding in findings] == sorted(f.start for f in findings)
    assert len(findings) == len(set(findings))
    assert {"jargon", "brand", "accreditation", "turnover", "years-trading"} <= _rules(findings)
    assert {"insurance", "inputs", "acronym", "long-sentence", "readability"} <= _rules(findings)


def test_finding_title_comes_from_the_rule():
    finding = lint_text("Staff must wear PPE.", CORPUS_CONFIG)[0]
    assert finding.title == "Acronym not spelled out"


def test_code_addresses_and_link_targets_are_not_prose():
    passages = {finding.passage for finding in lint_text(DOCUMENT, LintConfig())}
    assert "IBM" not in passages
    assert "SAP" not in passages
    assert "PPE" not in passages
    assert "KPI" in passages  # the table is prose


def test_fixes_are_concrete():
    findings = lint_text("The team will utilise Microsoft Excel.", CORPUS_CONFIG)
    assert [(finding.rule, finding.fix) for finding in findings] == [
        ("jargon", 'Say "use" instead of "utilise".'),
        (
            "brand",
            'Add "or equivalent" after "Microsoft", or describe the function you need instead.',
        ),
        ("brand", 'Add "or equivalent" after "Excel", or describe the function you need instead.'),
    ]


# --- Sentences ---------------------------------------------------------------------------


def test_abbreviations_and_decimals_do_not_end_sentences():
    text = "Provide tools, e.g. laptops and phones, worth £1.2m to staff in 2.5 sites, i.e. all."
    findings = lint_text(text, LintConfig(max_sentence_words=8, reading_ease_target=-1000))
    assert [finding.passage for finding in findings] == [text]


def test_list_items_and_headings_are_sentence_boundaries():
    items = "\n".join(f"- the service must open on day {n} of the month" for n in range(30))
    text = f"# Opening hours of the new library service for residents\n{items}"
    assert lint_text(text, LintConfig(max_sentence_words=12, reading_ease_target=-1000)) == []


def test_long_sentence_limit_comes_from_the_config():
    text = "The caterer will serve a hot lunch to every pupil who wants one."
    assert lint_text(text, LintConfig(reading_ease_target=-1000)) == []
    findings = lint_text(text, LintConfig(max_sentence_words=10, reading_ease_target=-1000))
    assert [(f.rule, f.passage) for f in findings] == [("long-sentence", text)]
    assert "13 words" in findings[0].why


# --- Acronyms ----------------------------------------------------------------------------


def test_acronym_spelled_out_in_another_section_is_not_flagged():
    reports = lint_sections(
        [
            ("scope", "Scope", "We want more bids from SMEs and will track each KPI."),
            (
                "glossary",
                "Glossary",
                "Key Performance Indicators (KPIs) measure the service.\n\n"
                "SME (small and medium-sized enterprise) means a business with under 250 staff.",
            ),
        ],
        CORPUS_CONFIG,
    )
    assert [report.findings for report in reports] == [[], []]


def test_acronym_is_flagged_once_at_first_use_in_the_whole_specification():
    reports = lint_sections(
        [
            ("one", "One", "The provider must supply PPE to every worker."),
            ("two", "Two", "PPE must be replaced when it is damaged. Spare PPE is kept on site."),
        ],
        CORPUS_CONFIG,
    )
    assert [[f.passage for f in report.findings] for report in reports] == [["PPE"], []]


def test_acronym_flagged_once_within_one_text():
    findings = lint_text("Staff must wear PPE. PPE must be clean. We buy PPE.", CORPUS_CONFIG)
    assert [(finding.start, finding.passage) for finding in findings] == [(16, "PPE")]


def test_acronym_definitions_in_glossary_lines_and_from_other_sections():
    glossary = "- CDM: Construction (Design and Management) Regulations 2015\n\nFollow CDM."
    assert lint_text(glossary, CORPUS_CONFIG) == []
    text = "Every site must follow CDM."
    assert _rules(lint_text(text, CORPUS_CONFIG)) == {"acronym"}
    assert lint_text(text, CORPUS_CONFIG, defined_acronyms={"CDM"}) == []


def test_acronyms_everyone_knows_and_other_capitals_are_not_flagged():
    text = (
        "NHS and UK staff pay VAT. Part II covers Lot B at level AA. The van has 150 HP. "
        "NOTE: bids close at noon."
    )
    assert lint_text(text, CORPUS_CONFIG) == []
    assert lint_text("PLEASE RETURN ALL FORMS BY FRIDAY.", CORPUS_CONFIG) == []


# --- Brands ------------------------------------------------------------------------------


def test_brand_case_rules():
    assert _rules(lint_text("All laptops must run MICROSOFT software.", CORPUS_CONFIG)) == {"brand"}
    assert lint_text("Replace the windows and clean the apple store.", CORPUS_CONFIG) == []
    assert lint_text("The sap rises in spring.", CORPUS_CONFIG) == []


def test_brand_passage_includes_the_model():
    findings = lint_text("We want HP ProBook 450 G9 laptops.", CORPUS_CONFIG)
    assert [finding.passage for finding in findings] == ["HP ProBook 450 G9"]


def test_custom_brand_list():
    config = LintConfig(brands=["Acme Widgets"], reading_ease_target=-1000)
    assert _rules(lint_text("Only Acme Widgets will do.", config)) == {"brand"}
    assert lint_text("Microsoft is fine here.", config) == []


# --- Readability -------------------------------------------------------------------------


def test_reading_ease_is_sane():
    plain, dense = reading_ease(PLAIN), reading_ease(DENSE)
    assert plain is not None and plain > 60
    assert dense is not None and dense < 30
    assert reading_ease("Too short to judge.") is None
    assert reading_ease("") is None


def test_readability_finding_for_a_dense_section_only():
    config = LintConfig(reading_ease_target=50)
    dense = [finding for finding in lint_text(DENSE, config) if finding.rule == "readability"]
    assert len(dense) == 1
    assert dense[0].start == 0 and len(dense[0].passage) <= 80
    assert "target of 50" in dense[0].why
    assert "readability" not in _rules(lint_text(PLAIN, config))


def test_lint_sections_reports_scores_and_words():
    reports = lint_sections(
        [("a", "Plain", PLAIN), ("b", "Dense", DENSE), ("c", "Short", "Call us."), ("d", "", "")],
        LintConfig(reading_ease_target=50),
    )
    assert [report.key for report in reports] == ["a", "b", "c", "d"]
    assert reports[0].reading_ease is not None and reports[0].reading_ease > 60
    assert reports[0].words == 49
    assert "readability" in _rules(reports[1].findings)
    assert (reports[2].reading_ease, reports[2].words, reports[2].findings) == (None, 2, [])
    assert (reports[3].reading_ease, reports[3].words, reports[3].findings) == (None, 0, [])


# --- Money, turnover and insurance ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£1.5m", (Decimal("1500000"), "GBP")),
        ("£250,000", (Decimal("250000"), "GBP")),
        ("€2 million", (Decimal("2000000"), "EUR")),
        ("3bn", (Decimal("3000000000"), None)),
        ("GBP 40k", (Decimal("40000"), "GBP")),
        ("$5M", (Decimal("5000000"), "USD")),
        ("40,000 pounds", (Decimal("40000"), "GBP")),
        ("a turnover of £2.5 m", (Decimal("2500000"), "GBP")),
        ("12 months", None),
        ("", None),
    ],
)
def test_parse_money(text, expected):
    assert parse_money(text) == expected


def test_turnover_without_a_contract_value_is_always_flagged():
    findings = lint_text("Bidders must have a minimum turnover of £100,000.", LintConfig())
    assert _rules(findings) == {"turnover"}
    assert "states no contract value" in findings[0].why


def test_turnover_within_twice_a_large_contract_value_passes():
    text = "Bidders must have a minimum annual turnover of £2 million."
    assert lint_text(text, LintConfig(contract_value=Decimal("1000000"))) == []
    findings = lint_text(text, LintConfig(contract_value=Decimal("900000")))
    assert "£1,800,000" in findings[0].fix


def test_insurance_limit_grows_with_the_contract_value():
    text = "Professional indemnity insurance of £10m is required."
    assert _rules(lint_text(text, LintConfig())) == {"insurance"}
    assert lint_text(text, LintConfig(contract_value=Decimal("8000000"))) == []
    assert lint_text(text, LintConfig(insurance_limit=Decimal("10000000"))) == []


# --- Configuration and data files ------------------------------------------------------------


def test_packaged_data_files():
    jargon = load_jargon()
    brands = load_brands()
    assert len(jargon) >= 40 and len(brands) >= 40
    assert jargon["utilise"] == "use"
    assert all(term == term.lower() for term in jargon)
    assert "IBM" in brands and not any(brand.startswith("#") for brand in brands)


def test_custom_jargon_file(tmp_path):
    path = tmp_path / "jargon.csv"
    path.write_text("term,alternative\n# a comment\nBlue Sky Thinking,new ideas\n", "utf-8")
    assert load_jargon(path) == {"blue sky thinking": "new ideas"}
    config = LintConfig(jargon=load_jargon(path), reading_ease_target=-1000)
    findings = lint_text("We want blue-sky thinking from every bidder.", config)
    assert [(f.passage, f.fix) for f in findings] == [
        ("blue-sky thinking", 'Say "new ideas" instead of "blue-sky thinking".')
    ]


def test_config_from_settings_defaults_are_cached():
    config = config_from_settings()
    assert config.max_sentence_words == 25
    assert config.reading_ease_target == 50.0
    assert config.insurance_limit == Decimal("5000000")
    assert config.contract_value is None
    assert config.jargon is config_from_settings().jargon
    assert config.brands is config_from_settings().brands
    assert dict(config.jargon) == load_jargon()


def test_config_from_settings_reads_settings(settings, tmp_path):
    jargon_path = tmp_path / "jargon.csv"
    jargon_path.write_text("term,alternative\nsolutioneering,designing\n", "utf-8")
    brands_path = tmp_path / "brands.txt"
    brands_path.write_text("# ours\nAcme\n", "utf-8")
    settings.LINT_MAX_SENTENCE_WORDS = 30
    settings.LINT_READING_EASE_TARGET = 40
    settings.LINT_JARGON_FILE = str(jargon_path)
    settings.LINT_BRANDS_FILE = str(brands_path)
    settings.LINT_INSURANCE_LIMIT = "10000000"
    config = config_from_settings()
    assert config.max_sentence_words == 30
    assert config.reading_ease_target == 40.0
    assert dict(config.jargon) == {"solutioneering": "designing"}
    assert list(config.brands) == ["Acme"]
    assert config.insurance_limit == Decimal("10000000")


def test_config_from_settings_overrides_win(settings):
    settings.LINT_MAX_SENTENCE_WORDS = 30
    config = config_from_settings(
        contract_value=Decimal("50000"), max_sentence_words=20, brands=["Acme"]
    )
    assert config.contract_value == Decimal("50000")
    assert config.max_sentence_words == 20
    assert config.brands == ["Acme"]


# --- Robustness ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n  ", "\n"])
def test_empty_text_has_no_findings(text):
    assert lint_text(text, LintConfig()) == []


@pytest.mark.parametrize(
    "text",
    [
        ("The supplier must utilise SAP and IBM (see www.example.com). " * 2000)[:100_000],
        " ".join(["word"] * 5000),
        "Ünïcödé naïve café — 日本語のテキスト。 Ωμέγα! Überprüfung € 5 Mio. " * 1000,
        ".!?,;:()[]{}-—*#|`~>" * 5000,
        "(" * 50_000 + ")" * 50_000,
        "ABCDEF " * 15_000,
        "a" * 100_000,
        "1," * 50_000,
        "x@" * 50_000,
        "Small-" * 15_000 + "(SME)",
        "turnover " * 10_000 + "£5m",
        "must hold " * 10_000,
        "```\n" * 20_000,
        "- \n# \n| \n" * 10_000,
    ],
    ids=[
        "100k-characters",
        "one-5000-word-sentence",
        "unicode",
        "only-punctuation",
        "brackets",
        "capitals",
        "one-long-word",
        "digits",
        "at-signs",
        "hyphens-before-a-definition",
        "repeated-turnover",
        "repeated-must-hold",
        "fences",
        "empty-markdown-blocks",
    ],
)
def test_pathological_input_completes(text):
    config = LintConfig(contract_value=Decimal("200000"))
    findings = lint_text(text, config)
    assert all(finding.passage == text[finding.start : finding.end] for finding in findings)
    lint_sections([("only", "Only", text)], config)
    lint.reading_ease(text)


def test_reports_survive_the_cache():
    # Reports are cached (pickled) by version, so they must round-trip.
    reports = lint_sections([("a", "A", DOCUMENT)], LintConfig())
    assert pickle.loads(pickle.dumps(reports)) == reports
