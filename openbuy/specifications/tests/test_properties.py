"""Properties of the co-writing text functions and of the specification lint, for any text.

The diffs must show both versions in full, the merge must give back each side's text, a
paragraph's origin must follow its words, and the lint must point at what it quotes, flag a
brand or a jargon word wherever it stands in prose (and never once "or equivalent" follows the
brand), and flag a turnover demand exactly when it is above twice the contract value.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openbuy.specifications.lint import (
    RULES,
    LintConfig,
    _format_money,
    lint_text,
    load_brands,
    load_jargon,
    parse_money,
)
from openbuy.specifications.texts import (
    carry_origins,
    diff_counts,
    diff_html,
    find_anchor,
    join_paragraphs,
    merge_three,
    normalise_newlines,
    paragraphs,
    tokens,
)

fast = settings(max_examples=100, deadline=None, derandomize=True)

# Text that looks like a specification: words (some brands, jargon and acronyms), numbers,
# money, punctuation, Markdown and line breaks; and, now and then, any character at all.
WORDS = [
    "the", "service", "must", "open", "at", "9am", "staff", "are", "trained", "supplier",
    "Cisco", "leverage", "stakeholder", "ISO 9001", "KPI", "NHS", "£2m", "1,000", "2.5",
    "e.g.", "don't", "co-op", "café", "東京", "🙂", "**bold**", "`code`", "[link](https://x.org)",
    "- item", "1.", "#", ">", "<b>", "&", '"quoted"', "or equivalent",
]  # fmt: skip
word = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=3))
separator = st.sampled_from([" ", " ", " ", ". ", ", ", "\n", "\n\n", "\r\n", "\t", "  "])
texts = st.lists(st.tuples(word, separator), max_size=40).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


# --- Tokens, paragraphs ------------------------------------------------------------------------


@fast
@given(texts)
def test_tokens_join_back_to_the_text(text):
    assert "".join(tokens(text)) == text


@fast
@given(texts)
def test_normalising_twice_changes_nothing(text):
    once = normalise_newlines(text)
    assert normalise_newlines(once) == once
    assert "\r" not in once


@fast
@given(texts)
def test_paragraphs_survive_joining_and_splitting_again(text):
    paras = paragraphs(text)
    assert all(para.strip() for para in paras)
    assert paragraphs(join_paragraphs(paras)) == paras


# --- Diffs -------------------------------------------------------------------------------------

_LABEL = r'<span class="govuk-visually-hidden">(?:deleted|inserted): </span>'


def _side(diff: str, hide: str, show: str) -> str:
    """The text a reader sees with one kind of change hidden."""
    shown = re.sub(rf"<{hide}\b.*?</{hide}>", "", diff, flags=re.S)
    return html.unescape(re.sub(rf"{_LABEL}|</?{show}[^>]*>", "", shown))


@fast
@given(texts, texts)
def test_a_diff_shows_the_old_text_and_the_new_text_in_full(old, new):
    diff = str(diff_html(old, new))
    assert _side(diff, hide="ins", show="del") == normalise_newlines(old)
    assert _side(diff, hide="del", show="ins") == normalise_newlines(new)


@fast
@given(texts)
def test_a_text_compared_with_itself_has_no_changes(text):
    assert "<del" not in diff_html(text, text) and "<ins" not in diff_html(text, text)
    assert diff_counts(text, text) == (0, 0)


def _words(text: str) -> int:
    return sum(1 for token in tokens(normalise_newlines(text)) if not token.isspace())


@fast
@given(texts, texts)
def test_counted_changes_are_never_more_than_the_words_there_are(old, new):
    inserted, deleted = diff_counts(old, new)
    assert 0 <= inserted <= _words(new)
    assert 0 <= deleted <= _words(old)
    assert diff_counts("", new) == (_words(new), 0)
    assert diff_counts(old, "") == (0, _words(old))


# --- Three-way merge ---------------------------------------------------------------------------


@fast
@given(texts, texts, texts)
def test_regions_rebuild_each_side_and_one_sided_edits_merge_cleanly(base, current, suggested):
    result = merge_three(base, current, suggested)
    for side, text in (("base", base), ("current", current), ("suggested", suggested)):
        rebuilt = "".join(getattr(region, side) for region in result.regions)
        assert rebuilt == normalise_newlines(text)
    assert result.conflicted == any(region.kind == "conflict" for region in result.regions)
    assert merge_three(base, base, suggested).text == normalise_newlines(suggested)
    assert merge_three(base, current, base).text == normalise_newlines(current)
    assert merge_three(base, current, current).text == normalise_newlines(current)


# --- Provenance --------------------------------------------------------------------------------

distinct_paragraphs = st.lists(
    st.text(alphabet="abcdefgh ", min_size=1, max_size=12).filter(str.strip),
    max_size=8,
    unique_by=lambda para: " ".join(para.split()),
)


@fast
@given(distinct_paragraphs, st.data())
def test_a_paragraph_keeps_its_origin_wherever_it_moves(paras, data):
    origins = list(range(1, len(paras) + 1))
    moved = data.draw(st.permutations(list(zip(paras, origins, strict=True))))
    new_paras = [para for para, _ in moved]
    assert carry_origins(paras, origins, new_paras, 99) == [origin for _, origin in moved]


@fast
@given(distinct_paragraphs, distinct_paragraphs)
def test_every_paragraph_gets_an_old_origin_or_the_new_one(old, new):
    origins = list(range(1, len(old) + 1))
    result = carry_origins(old, origins, new, 99)
    assert len(result) == len(new)
    known = {" ".join(para.split()) for para in old}
    for para, origin in zip(new, result, strict=True):
        assert origin in origins or origin == 99
        if " ".join(para.split()) in known:
            assert origin != 99


# --- Annotations -------------------------------------------------------------------------------

plain_paragraphs = st.lists(st.text(alphabet="abc ", min_size=1, max_size=30), min_size=1)


@fast
@given(plain_paragraphs, st.data())
def test_an_annotated_passage_that_did_not_move_is_found_where_it_was(paras, data):
    paragraph = data.draw(st.integers(0, len(paras) - 1))
    text = paras[paragraph]
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    assume(quote == " ".join(quote.split()))  # find_anchor collapses and strips spaces
    found = find_anchor(paras, quote, paragraph=paragraph, start=start)
    assert found is not None
    assert (found.paragraph, found.start, found.end) == (paragraph, start, end)


@fast
@given(plain_paragraphs, st.text(alphabet="abcABC ", min_size=1, max_size=6), st.integers(0, 5))
def test_a_found_passage_is_the_quote(paras, quote, paragraph):
    found = find_anchor(paras, quote, paragraph=paragraph, start=0)
    wanted = " ".join(quote.split())
    assume(found is not None)
    assert paras[found.paragraph][found.start : found.end].lower() == wanted.lower()


# --- Lint --------------------------------------------------------------------------------------

CONFIG = LintConfig(contract_value=Decimal("200000"))


@fast
@given(texts)
def test_every_finding_quotes_the_passage_it_points_at(text):
    findings = lint_text(text, CONFIG)
    for finding in findings:
        assert finding.rule in RULES
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.passage == text[finding.start : finding.end]
        assert finding.why and finding.fix
    assert findings == sorted(findings, key=lambda f: (f.start, f.end, f.rule, f.why, f.fix))
    assert lint_text(text, CONFIG) == findings


BRANDS = load_brands()
JARGON = load_jargon()
openings = st.sampled_from(["", "The supplier must provide ", "We need ", "Bidders shall use "])
endings = st.sampled_from([" for every office.", " licences.", ".", " on site"])


def _rules_at(text: str, rule: str, start: int, end: int) -> bool:
    return any(
        f.rule == rule and f.start <= start and end <= f.end for f in lint_text(text, CONFIG)
    )


@fast
@given(openings, st.sampled_from(BRANDS), endings)
def test_a_named_brand_is_flagged_unless_an_equivalent_is_allowed(opening, brand, ending):
    text = f"{opening}{brand}{ending}"
    start = len(opening)
    assert _rules_at(text, "brand", start, start + len(brand)), text
    allowed = f"{opening}{brand} or equivalent{ending}"
    assert not any(f.rule == "brand" for f in lint_text(allowed, CONFIG)), allowed
    in_code = f"{opening}`{brand}`{ending}"
    assert not any(f.rule == "brand" for f in lint_text(in_code, CONFIG)), in_code


@fast
@given(openings, st.sampled_from(sorted(JARGON)), endings, st.booleans())
def test_a_jargon_phrase_is_flagged_with_its_plainer_word(opening, term, ending, hyphens):
    if hyphens:
        term = term.replace(" ", "-")  # a hyphen and a space count as the same
    text = f"{opening}{term}{ending}"
    start = len(opening)
    found = [
        f
        for f in lint_text(text, CONFIG)
        if f.rule == "jargon" and f.start <= start and start + len(term) <= f.end
    ]
    assert found, text
    alternative = JARGON[re.sub(r"[\s\-]+", " ", found[0].passage.lower())]
    if alternative:
        assert alternative in found[0].fix


pounds = st.integers(min_value=1, max_value=10**9)


@st.composite
def turnover_and_value(draw):
    """Any two amounts, often a turnover within a pound or two of twice the value."""
    value = draw(pounds)
    near = st.integers(-2, 2).map(lambda delta: 2 * value + delta)
    return draw(st.one_of(near, pounds)), value


@fast
@given(turnover_and_value())
def test_turnover_is_flagged_exactly_when_above_twice_the_contract_value(amounts):
    turnover, value = amounts
    config = LintConfig(contract_value=Decimal(value))
    text = f"Bidders must have a minimum annual turnover of £{turnover:,}."
    flagged = any(f.rule == "turnover" for f in lint_text(text, config))
    assert flagged == (turnover > 2 * value)


@fast
@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    st.sampled_from(["GBP", "EUR", "USD"]),
)
def test_an_amount_the_lint_writes_reads_back_the_same(amount, currency):
    assert parse_money(_format_money(amount, currency)) == (amount, currency)


@fast
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9))
def test_millions_read_the_same_however_they_are_written(whole, tenth):
    amount = Decimal(f"{whole}.{tenth}")
    expected = (amount * 1_000_000, "GBP")
    for written in (f"£{amount}m", f"£{amount} million", f"£{amount * 1000}k", f"{amount}m GBP"):
        assert parse_money(written) == expected, written
    assert parse_money(f"£{amount * 1_000_000:,}") == expected
