"""The parroting aid: examples first, then properties checked with hypothesis."""

import html
import random
import re
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openbuy.evaluation.parroting import Echo, N, describe, echo, highlight_html, words

SPEC = (
    "The supplier must provide a fully accessible booking service that meets WCAG 2.2 AA.\n\n"
    "Residents can change or cancel a booking online at any time of day."
)


def marked(html_text: str) -> list[str]:
    """The HTML inside each ``<mark>`` of ``html_text``."""
    return re.findall(r'<mark class="ob-echo">(.*?)</mark>', html_text, re.DOTALL)


# --- Examples: words --------------------------------------------------------------------------


def test_words_are_normalised_with_their_offsets():
    text = "The Supplier’s  co-op: £5, 2.5 ÉTÉ"
    assert words(text) == [
        ("the", 0, 3),
        ("suppliers", 4, 14),
        ("co", 16, 18),
        ("op", 19, 21),
        ("5", 23, 25),
        ("25", 27, 30),
        ("été", 31, 34),
    ]


def test_words_keep_combining_vowel_signs_inside_the_word():
    assert [word for word, _, _ in words("हिन्दी भाषा")] == ["हिन्दी", "भाषा"]


def test_words_treat_decomposed_and_composed_accents_alike():
    assert words("e\u0301te\u0301")[0][0] == words("été")[0][0]


def test_punctuation_and_whitespace_are_not_words():
    assert words("  ... -- !? \n\t") == []
    assert words("") == []


# --- Examples: echo ---------------------------------------------------------------------------


def test_identical_text_echoes_entirely_in_one_span():
    result = echo(SPEC, SPEC)
    assert result.share == 1.0
    # From the first word's first letter to the last word's last letter (not the final stop).
    assert result.spans == ((0, len(SPEC) - 1),)
    assert result.echoed_words == result.total_words == len(words(SPEC))


def test_disjoint_texts_share_nothing():
    result = echo("Our small team has built similar tools for three councils.", SPEC)
    assert result == Echo(share=0.0, spans=(), echoed_words=0, total_words=10)


def test_a_quoted_sentence_amid_original_text_is_highlighted():
    quoted = "Residents can change or cancel a booking online at any time of day."
    response = f"We listened to residents first.\n{quoted}\nWe will also add text reminders."
    result = echo(response, SPEC)

    start = response.index(quoted)
    assert result.spans == ((start, start + len(quoted) - 1),)  # without the full stop
    assert result.echoed_words == 13
    assert result.total_words == 5 + 13 + 6
    assert result.share == pytest.approx(9 / 20)  # 9 of the 20 five-word runs
    assert marked(highlight_html(response, result)) == [quoted[:-1]]


def test_case_punctuation_and_whitespace_differences_still_match():
    response = "THE SUPPLIER, must PROVIDE:\n  a fully-accessible booking service!"
    result = echo(response, SPEC)
    assert result.share == 1.0
    assert result.spans == ((0, len(response) - 1),)


def test_curly_and_straight_apostrophes_match():
    spec = "The council doesn't store the resident's data abroad."
    assert echo("The council doesn’t store the resident’s data", spec).share == 1.0


def test_runs_shorter_than_n_words_do_not_count():
    # Four words of the specification in a row, then original text: no five-word run matches.
    result = echo("The supplier must provide our own thinking on the problem", SPEC)
    assert result.share == 0.0
    assert result.spans == ()


def test_separate_echoes_give_separate_spans():
    response = "The supplier must provide a lot. Then, a booking online at any time."
    result = echo(response, SPEC)
    assert [response[start:end] for start, end in result.spans] == [
        "The supplier must provide a",
        "a booking online at any time",
    ]
    assert result.echoed_words == 11


@pytest.mark.parametrize("response", ["", "   ", "Yes.", "We can do it", "one two three four"])
def test_responses_shorter_than_n_words_have_no_echo(response):
    result = echo(response, f"{response} and then some more words")
    assert result.share == 0.0
    assert result.spans == ()
    assert result.echoed_words == 0
    assert result.total_words == len(words(response)) < N


def test_a_smaller_n_finds_shorter_echoes():
    result = echo("The supplier must provide our own thinking", SPEC, n=3)
    assert result.spans == ((0, len("The supplier must provide")),)
    assert result.share == pytest.approx(2 / 5)


def test_n_must_be_positive():
    with pytest.raises(ValueError, match="at least one word"):
        echo("a b c", "a b c", n=0)


def test_twenty_thousand_words_take_well_under_a_second():
    rng = random.Random(6)
    vocabulary = [f"word{i}" for i in range(2000)]
    spec = " ".join(rng.choice(vocabulary) for _ in range(20_000))
    response = " ".join(rng.choice(vocabulary) for _ in range(10_000)) + " " + spec[:50_000]

    started = time.perf_counter()
    result = echo(response, spec)
    highlight_html(response, result)
    assert time.perf_counter() - started < 1.0
    assert 0 < result.share < 1


# --- Examples: HTML and description -----------------------------------------------------------


def test_special_characters_are_escaped_inside_and_outside_marks():
    spec = 'Prices <b>must</b> include VAT & "delivery" costs at all times.'
    response = "<script>alert('x')</script> & Prices <b>must</b> include VAT & \"delivery\" costs"
    output = highlight_html(response, echo(response, spec))
    assert output == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; "
        '<mark class="ob-echo">Prices &lt;b&gt;must&lt;/b&gt; include VAT &amp; '
        "&quot;delivery&quot; costs</mark>"
    )


def test_existing_entities_are_not_double_escaped_nor_decoded():
    output = highlight_html(
        "AT&amp;T &lt;", Echo(share=0.0, spans=(), echoed_words=0, total_words=2)
    )
    assert output == "AT&amp;amp;T &amp;lt;"


def test_line_breaks_become_br_also_inside_marks():
    response = "One two three\r\nfour five\rsix\nseven"
    output = highlight_html(response, echo(response, response))
    assert output == '<mark class="ob-echo">One two three<br>four five<br>six<br>seven</mark>'


def test_highlight_html_is_safe_for_templates():
    assert hasattr(highlight_html("a", echo("a", "a")), "__html__")


def test_highlight_html_tolerates_spans_it_did_not_compute():
    response = "a\r\nb c"
    spans = ((5, 99), (-3, 2), (1, 2), (4, 4))  # overlapping, out of range, inside a \r\n, empty
    output = highlight_html(response, Echo(share=0.5, spans=spans, echoed_words=1, total_words=3))
    assert output == '<mark class="ob-echo">a<br></mark>b <mark class="ob-echo">c</mark>'


def test_describe_in_plain_english():
    assert describe(Echo(share=0.42, spans=((0, 9),), echoed_words=310, total_words=740)) == (
        "42% of this response's 5-word phrases repeat the specification's own wording: "
        "the highlighted passages cover 310 of its 740 words."
    )
    assert describe(Echo(share=1.0, spans=((0, 9),), echoed_words=12_000, total_words=12_000)) == (
        "100% of this response's 5-word phrases repeat the specification's own wording: "
        "the highlighted passages cover 12,000 of its 12,000 words."
    )


def test_describe_never_rounds_a_small_echo_to_nothing_or_a_large_one_to_everything():
    assert describe(Echo(0.001, ((0, 9),), 5, 5000)).startswith("Under 1% ")
    assert describe(Echo(0.999, ((0, 9),), 4995, 5000)).startswith("Over 99% ")


def test_describe_no_echo_short_and_empty_responses():
    assert describe(echo("Our own words entirely, written fresh.", SPEC)) == (
        "None of this response's 5-word phrases repeat the specification's own wording "
        "(0 of its 6 words highlighted)."
    )
    assert describe(echo("Yes.", SPEC)) == (
        "This response is too short to compare with the specification "
        "(it has 1 word; phrases of 5 are compared)."
    )
    assert describe(echo(" ... ", SPEC)) == (
        "This response has no words to compare with the specification."
    )


# --- Properties -------------------------------------------------------------------------------

PROPERTIES = settings(database=None, deadline=None, max_examples=150)

# A small vocabulary so that responses and specifications often share runs of words, with case,
# punctuation and HTML-special variants.
VOCABULARY = ["the", "The", "SUPPLIER", "supplier’s", "must", "provide", "a", "service", "co-op"]
VOCABULARY += ["<b>", "&amp;", "don't", "été", "2.5", "x", '"quote"', "'", "\u0301", "हिन्दी"]
SEPARATORS = [" ", "  ", "\n", "\r\n", "\r", ", ", ". ", " & ", "\t", " <br> "]

texts = st.builds(
    "".join,
    st.lists(st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(SEPARATORS)), max_size=60),
)
any_text = st.one_of(texts, st.text(max_size=200))
# Text with at least N words, some of it arbitrary.
wordy = st.builds(
    lambda before, middle, after: f"{before} {' '.join(middle)} {after}",
    st.one_of(texts, st.text(max_size=30)),
    st.lists(st.sampled_from([w for w in VOCABULARY if words(w)]), min_size=N, max_size=30),
    st.one_of(texts, st.text(max_size=30)),
)
plain_words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon"]), max_size=40)


def check_invariants(response: str, result: Echo, n: int = N) -> None:
    said = words(response)
    assert 0.0 <= result.share <= 1.0
    assert result.total_words == len(said)
    assert 0 <= result.echoed_words <= result.total_words
    assert (result.share > 0) == bool(result.spans)
    previous_end = -1
    for start, end in result.spans:
        assert 0 <= start < end <= len(response)
        assert start > previous_end  # sorted, not overlapping, not touching
        previous_end = end
    # Spans start and end on word edges, and the words inside them are counted.
    starts = {start for _, start, _ in said}
    ends = {end for _, _, end in said}
    assert all(start in starts and end in ends for start, end in result.spans)
    inside = [w for w in said if any(s <= w[1] and w[2] <= e for s, e in result.spans)]
    assert result.echoed_words == len(inside)
    assert not result.spans or result.echoed_words >= n


@PROPERTIES
@given(response=any_text, specification=any_text, n=st.integers(min_value=1, max_value=6))
def test_echo_invariants_hold_for_any_text(response, specification, n):
    check_invariants(response, echo(response, specification, n=n), n)


@PROPERTIES
@given(text=wordy)
def test_a_text_echoes_itself_entirely(text):
    said = words(text)
    result = echo(text, text)
    assert result.share == 1.0
    assert result.spans == ((said[0][1], said[-1][2]),)
    assert result.echoed_words == result.total_words


@PROPERTIES
@given(specification=wordy, data=st.data())
def test_a_passage_cut_from_the_specification_echoes_entirely(specification, data):
    said = words(specification)
    first = data.draw(st.integers(0, len(said) - N))
    last = data.draw(st.integers(first + N - 1, len(said) - 1))
    passage = specification[said[first][1] : said[last][2]]
    assert echo(passage, specification).share == 1.0


@PROPERTIES
@given(response=any_text, specification=any_text, extra=plain_words)
def test_appending_unrelated_words_never_raises_the_share(response, specification, extra):
    vocabulary = {word for word, _, _ in words(specification)}
    assume(not vocabulary & set(extra))
    before = echo(response, specification)
    after = echo(response + " " + " ".join(extra), specification)
    assert after.share <= before.share
    assert after.spans == before.spans
    assert after.echoed_words == before.echoed_words


@PROPERTIES
@given(words_=st.lists(st.sampled_from(["Alpha", "beta", "GAMMA", "delta"]), max_size=30))
def test_case_and_punctuation_do_not_change_the_echo(words_):
    specification = " ".join(words_)
    response = ", ".join(word.swapcase() for word in words_)
    result = echo(response, specification)
    assert result.share == (1.0 if len(words_) >= N else 0.0)


@PROPERTIES
@given(response=any_text, specification=any_text)
def test_highlighting_only_adds_marks_and_line_breaks(response, specification):
    result = echo(response, specification)
    output = str(highlight_html(response, result))

    # Marks open and close in turn: never nested, never left open.
    tags = re.findall(r'<mark class="ob-echo">|</mark>', output)
    assert tags == ['<mark class="ob-echo">', "</mark>"] * len(result.spans)
    # Every other "<" is a line break of ours: the response's own are escaped.
    assert re.sub(r'<mark class="ob-echo">|</mark>|<br>', "", output).count("<") == 0

    unmarked = re.sub(r'<mark class="ob-echo">|</mark>', "", output).replace("<br>", "\n")
    normalised = response.replace("\r\n", "\n").replace("\r", "\n")
    assert html.unescape(unmarked) == normalised
    # Each mark holds exactly its span of the response.
    assert [html.unescape(m.replace("<br>", "\n")) for m in marked(output)] == [
        response[start:end].replace("\r\n", "\n").replace("\r", "\n") for start, end in result.spans
    ]


@PROPERTIES
@given(response=st.text(), specification=st.text(), n=st.integers(min_value=1, max_value=8))
def test_nothing_raises_on_arbitrary_unicode(response, specification, n):
    result = echo(response, specification, n=n)
    highlight_html(response, result)
    assert describe(result)
    assert all(word and not any(c.isspace() for c in word) for word, _, _ in words(response))
