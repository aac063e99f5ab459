"""The pure text functions behind co-writing: splitting, diffs, merges, provenance, annotations."""

import random
import re
from html.parser import HTMLParser

import pytest
from django.utils.safestring import SafeString

from openbuy.discussion.markup import render
from openbuy.specifications.texts import (
    CONFLICT_END,
    CONFLICT_MIDDLE,
    CONFLICT_START,
    Anchor,
    carry_origins,
    diff_counts,
    diff_html,
    find_anchor,
    has_conflict_markers,
    highlight_html,
    join_paragraphs,
    merge_three,
    normalise_newlines,
    paragraphs,
    plain_text,
    tokens,
)

DEL_OPEN = '<del class="ob-diff__del"><span class="govuk-visually-hidden">deleted: </span>'
INS_OPEN = '<ins class="ob-diff__ins"><span class="govuk-visually-hidden">inserted: </span>'


# --- normalise_newlines, paragraphs, join_paragraphs ------------------------------------------


def test_normalise_newlines_unifies_line_endings_and_trims():
    text = "\r\n  \nFirst line  \r\nsecond\tline\t\rthird\n\n\n  \n"
    assert normalise_newlines(text) == "First line\nsecond\tline\nthird"


def test_normalise_newlines_keeps_indentation_and_inner_blank_lines():
    text = "Intro\n\n\n    code block\n- item\n  continued"
    assert normalise_newlines(text) == text


@pytest.mark.parametrize("text", ["", "\n", "   ", "\r\n\r\n", " \t \n \n"])
def test_normalise_newlines_of_blank_text_is_empty(text):
    assert normalise_newlines(text) == ""


def test_paragraphs_split_on_one_or_more_blank_lines():
    body = "First para\nstill first.\n\nSecond.\n\n\n\n- a list\n- of two\n   \nLast."
    assert paragraphs(body) == [
        "First para\nstill first.",
        "Second.",
        "- a list\n- of two",
        "Last.",
    ]


def test_paragraphs_handle_windows_and_old_mac_line_endings():
    assert paragraphs("One.\r\n\r\nTwo\r\nlines.\r\rThree.") == ["One.", "Two\nlines.", "Three."]


def test_paragraphs_have_no_empty_items_and_no_surrounding_whitespace():
    assert paragraphs("\n\n  \n\nOnly one.   \n\n \t\n") == ["Only one."]
    assert paragraphs("") == []
    assert paragraphs(" \n \n") == []


def test_paragraphs_keep_the_indentation_that_makes_a_code_block():
    assert paragraphs("Example:\n\n    print('hi')") == ["Example:", "    print('hi')"]


@pytest.mark.parametrize(
    "text",
    [
        "One paragraph only.",
        "First.\n\nSecond.",
        "# Heading\n\nSome *text* with [a link](https://example.org).\n\n- one\n- two\n\n> quoted",
        "Line one\nline two\n\nPara two",
        "",
    ],
)
def test_paragraphs_and_join_round_trip_for_normalised_text(text):
    assert join_paragraphs(paragraphs(text)) == text
    assert paragraphs(join_paragraphs(paragraphs(text))) == paragraphs(text)


def test_join_paragraphs_separates_with_one_blank_line():
    assert join_paragraphs(["A", "B", "C"]) == "A\n\nB\n\nC"
    assert join_paragraphs([]) == ""


def test_paragraphs_join_normalises_extra_blank_lines_and_crlf():
    assert join_paragraphs(paragraphs("A\r\n\r\n\r\nB  \r\n")) == "A\n\nB"


# --- tokens -----------------------------------------------------------------------------------

_ALPHABET = (
    "abcXYZ019 \t\n\r.,;:!?'’\"-–—_*#>`[]()<>&£$€%/\\|~=+"
    "éüßøåçñ漢字テスト🙂👍🏽\u0301\u00a0\u2028\u200b"
)


def _random_texts(count: int) -> list[str]:
    rng = random.Random(20240612)  # fixed seed: the same texts on every run
    return ["".join(rng.choices(_ALPHABET, k=rng.randint(0, 80))) for _ in range(count)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "     ",
        "\n\n\t \n",
        "word",
        "It's a well-known fact: £1,000 is 2.5% of £40,000!",
        "**Bold** and _emphasis_ and `code` and [link](https://example.org/a?b=c&d=e).",
        "# Heading\n\n- one\n- two\n\n> quote\n\n    code\n",
        "Crème brûlée, naïve café (decomposed: cafe\u0301), Straße, 東京, Москва 🙂",
        "--- *** ___ ... ,,, '' ’’ -- - ' 1. 2, .5 5. £ £5 $ 1,,2 a--b a''b",
        "windows\r\nline\rendings",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 400,
        *_random_texts(300),
    ],
)
def test_tokens_join_back_to_the_text(text):
    assert "".join(tokens(text)) == text


def test_tokens_of_empty_text_is_empty():
    assert tokens("") == []


def test_tokens_keep_words_numbers_and_prices_whole():
    assert tokens("It's well-known: £1,000 costs 2.5% more at 9am.") == [
        "It's",
        " ",
        "well-known",
        ":",
        " ",
        "£1,000",
        " ",
        "costs",
        " ",
        "2.5",
        "%",
        " ",
        "more",
        " ",
        "at",
        " ",
        "9am",
        ".",
    ]


def test_tokens_split_punctuation_into_single_marks_and_keep_whitespace_runs():
    assert tokens("Yes!!  **No**\n\n") == ["Yes", "!", "!", "  ", "*", "*", "No", "*", "*", "\n\n"]


def test_tokens_do_not_join_sentences_at_a_full_stop_or_comma():
    assert tokens("end.Start, next") == ["end", ".", "Start", ",", " ", "next"]


def test_tokens_keep_accented_words_whole():
    assert tokens("café cafe\u0301 Straße") == ["café", " ", "cafe\u0301", " ", "Straße"]


# --- diff_html and diff_counts ----------------------------------------------------------------


def test_diff_of_identical_text_has_no_changes():
    text = "The service must open at 9am.\n\nStaff must be trained."
    result = diff_html(text, text)
    assert isinstance(result, SafeString)
    assert "<del" not in result
    assert "<ins" not in result
    assert result == text


def test_one_word_change_gives_one_deletion_then_one_insertion_with_labels():
    result = diff_html("The service must open at 9am.", "The service must open at 8am.")
    assert result.count("<del") == 1
    assert result.count("<ins") == 1
    assert result == (f"The service must open at {DEL_OPEN}9am</del>{INS_OPEN}8am</ins>.")


def test_diff_escapes_html_in_the_source():
    result = diff_html("Plain & simple <b>old</b>", 'Plain & simple <script>alert("x")</script>')
    assert "<script>" not in result
    assert "<b>" not in result
    assert "&lt;" in result
    assert "script" in result
    assert "Plain &amp; simple" in result
    assert "&quot;x&quot;" in result


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("x", "x <script>alert(1)</script>"),
        ("<script>alert(1)</script>", ""),
        ("a <img src=x onerror=alert(1)> b", "a <img src=y onerror=alert(2)> b"),
        ('say "hi"', "say 'bye' & <b>go</b>"),
    ],
)
def test_diff_lets_no_markup_from_the_text_through(old, new):
    result = diff_html(old, new)
    assert re.search(r"<(?!/?(del|ins|span)\b)", result) is None


def test_diff_escapes_unchanged_text_too():
    result = diff_html("<script>x</script>", "<script>y</script>")
    assert "<script>" not in result
    assert result.startswith("&lt;script&gt;")


def test_diff_keeps_newlines():
    result = diff_html("One\ntwo\n\nthree", "One\ntwo\n\nfour")
    assert result.startswith("One\ntwo\n\n")
    assert result == f"One\ntwo\n\n{DEL_OPEN}three</del>{INS_OPEN}four</ins>"


def test_diff_groups_adjacent_changed_words_with_the_spaces_between():
    result = diff_html("The quick brown fox jumps.", "The slow red fox jumps.")
    assert result == f"The {DEL_OPEN}quick brown</del>{INS_OPEN}slow red</ins> fox jumps."


def test_diff_keeps_changes_on_different_lines_apart():
    result = diff_html("alpha\nbeta", "gamma\ndelta")
    assert result == (
        f"{DEL_OPEN}alpha</del>{INS_OPEN}gamma</ins>\n{DEL_OPEN}beta</del>{INS_OPEN}delta</ins>"
    )


def test_diff_of_pure_insertion_and_pure_deletion():
    inserted = diff_html("Open at 9am.", "Open daily at 9am.")
    assert inserted == f"Open{INS_OPEN} daily</ins> at 9am."
    assert "<del" not in inserted
    deleted = diff_html("Open daily at 9am.", "Open at 9am.")
    assert deleted == f"Open{DEL_OPEN} daily</del> at 9am."
    assert "<ins" not in deleted


def test_diff_of_a_deleted_paragraph_keeps_the_paragraph_whole():
    result = diff_html("A one.\n\nB two.\n\nC three.", "A one.\n\nC three.")
    assert result == f"A one.\n\n{DEL_OPEN}B two.\n\n</del>C three."


def test_diff_from_or_to_empty_text():
    assert diff_html("", "New text.") == f"{INS_OPEN}New text.</ins>"
    assert diff_html("Old text.", "") == f"{DEL_OPEN}Old text.</del>"
    assert diff_html("", "") == ""


def test_diff_shows_old_and_new_text_in_full():
    old = "We need ten chairs.\n\nDelivery by **May**."
    new = "We need twelve chairs and a table.\n\nDelivery by **June**, to the hall."
    result = str(diff_html(old, new))
    without_insertions = re.sub(r"<ins\b.*?</ins>", "", result, flags=re.S)
    without_deletions = re.sub(r"<del\b.*?</del>", "", result, flags=re.S)
    label = r'<span class="govuk-visually-hidden">(deleted|inserted): </span>'
    assert re.sub(rf"{label}|</?del[^>]*>", "", without_insertions) == old
    assert re.sub(rf"{label}|</?ins[^>]*>", "", without_deletions) == new


def test_diff_counts_words_not_whitespace():
    assert diff_counts("Same text.", "Same text.") == (0, 0)
    assert diff_counts("The quick brown fox.", "The slow fox jumps high.") == (3, 2)
    assert diff_counts("a b", "a   b") == (0, 0)
    assert diff_counts("", "Three new words") == (3, 0)
    assert diff_counts("Gone now", "") == (0, 2)


def test_diff_counts_count_a_punctuation_mark_as_one():
    assert diff_counts("Open now.", "Open now!") == (1, 1)


# --- merge_three ------------------------------------------------------------------------------


def _assert_regions_rebuild(result, base, current, suggested):
    assert "".join(r.base for r in result.regions) == normalise_newlines(base)
    assert "".join(r.current for r in result.regions) == normalise_newlines(current)
    assert "".join(r.suggested for r in result.regions) == normalise_newlines(suggested)


def test_two_edits_to_different_words_of_one_sentence_both_survive():
    base = "The service must open at 9am."
    current = "The service must open at 8am."
    suggested = "The library must open at 9am."
    result = merge_three(base, current, suggested)
    assert result.text == "The library must open at 8am."
    assert not result.conflicted
    assert not has_conflict_markers(result.text)
    assert [r.kind for r in result.regions] == ["same", "suggested", "same", "current", "same"]
    assert result.regions[1].base == "service"
    assert result.regions[1].suggested == "library"
    assert result.regions[3].current == "8am"
    _assert_regions_rebuild(result, base, current, suggested)


def test_same_change_on_both_sides_is_both_not_a_conflict():
    base = "Delivery within 30 days."
    changed = "Delivery within 14 days."
    result = merge_three(base, changed, changed)
    assert result.text == changed
    assert not result.conflicted
    assert [r.kind for r in result.regions] == ["same", "both", "same"]
    both = result.regions[1]
    assert (both.base, both.current, both.suggested) == ("30", "14", "14")


def test_nothing_changed_gives_the_base_back():
    base = "First.\n\nSecond."
    result = merge_three(base, base, base)
    assert result.text == base
    assert not result.conflicted
    assert {r.kind for r in result.regions} == {"same"}


def test_different_changes_to_the_same_words_conflict_with_markers_on_their_own_lines():
    base = "Para A is here.\n\nThe service must open at 9am.\n\nPara C is last."
    current = base.replace("9am", "8am")
    suggested = base.replace("9am", "10am")
    result = merge_three(base, current, suggested)
    assert result.conflicted
    assert has_conflict_markers(result.text)
    assert result.text == (
        "Para A is here.\n\n"
        f"{CONFLICT_START}\n"
        "The service must open at 8am.\n"
        f"{CONFLICT_MIDDLE}\n"
        "The service must open at 10am.\n"
        f"{CONFLICT_END}\n\n"
        "Para C is last."
    )
    conflicts = [r for r in result.regions if r.kind == "conflict"]
    assert len(conflicts) == 1
    assert conflicts[0].current == "The service must open at 8am."
    assert conflicts[0].suggested == "The service must open at 10am."
    assert conflicts[0].base == "The service must open at 9am."
    _assert_regions_rebuild(result, base, current, suggested)


def test_a_conflict_is_widened_to_its_line_only():
    base = "Intro.\n\nWe need ten chairs by May.\nDelivery to the hall."
    current = "Intro.\n\nWe need twelve chairs by May.\nDelivery to the hall."
    suggested = "Intro.\n\nWe need eleven chairs by May.\nDelivery to the front door."
    result = merge_three(base, current, suggested)
    assert result.text == (
        "Intro.\n\n"
        f"{CONFLICT_START}\nWe need twelve chairs by May.\n{CONFLICT_MIDDLE}\n"
        f"We need eleven chairs by May.\n{CONFLICT_END}\n"
        "Delivery to the front door."
    )


def test_conflict_at_the_start_of_the_text():
    result = merge_three("Old title", "Current title", "Suggested title")
    assert result.conflicted
    lines = result.text.split("\n")
    assert lines == [
        CONFLICT_START,
        "Current title",
        CONFLICT_MIDDLE,
        "Suggested title",
        CONFLICT_END,
    ]


def test_paragraph_added_by_current_and_another_edited_by_suggestion_both_survive():
    base = "The service must open at 9am.\n\nStaff must be trained."
    current = "The service must open at 9am.\n\nParking is free.\n\nStaff must be trained."
    suggested = "The service must open at 9am.\n\nStaff must be trained in first aid."
    result = merge_three(base, current, suggested)
    assert not result.conflicted
    assert result.text == (
        "The service must open at 9am.\n\nParking is free.\n\nStaff must be trained in first aid."
    )
    _assert_regions_rebuild(result, base, current, suggested)


def test_edits_to_neighbouring_paragraphs_merge():
    base = "One a.\n\nTwo b.\n\nThree c."
    current = "One a.\n\nTwo b changed.\n\nThree c."
    suggested = "One a.\n\nTwo b.\n\nThree c changed."
    result = merge_three(base, current, suggested)
    assert result.text == "One a.\n\nTwo b changed.\n\nThree c changed."
    assert not result.conflicted


def test_empty_base_with_text_on_one_side_merges():
    result = merge_three("", "", "A brand new section.")
    assert result.text == "A brand new section."
    assert not result.conflicted
    assert [r.kind for r in result.regions] == ["suggested"]


def test_empty_base_with_different_text_on_both_sides_conflicts():
    result = merge_three("", "Written first.", "Suggested meanwhile.")
    assert result.conflicted
    assert result.text == "\n".join(
        [CONFLICT_START, "Written first.", CONFLICT_MIDDLE, "Suggested meanwhile.", CONFLICT_END]
    )


def test_all_empty():
    result = merge_three("", "", "")
    assert result.text == ""
    assert not result.conflicted
    assert result.regions == []


def test_suggestion_deletes_a_paragraph_the_current_text_left_alone():
    base = "A one.\n\nB two.\n\nC three."
    current = "A one now.\n\nB two.\n\nC three."
    suggested = "A one.\n\nC three."
    result = merge_three(base, current, suggested)
    assert not result.conflicted
    assert result.text == "A one now.\n\nC three."
    _assert_regions_rebuild(result, base, current, suggested)


def test_suggestion_edits_a_paragraph_the_current_text_deleted_conflicts():
    base = "A one.\n\nB two.\n\nC three."
    current = "A one.\n\nC three."
    suggested = "A one.\n\nB two changed.\n\nC three."
    result = merge_three(base, current, suggested)
    assert result.conflicted
    assert result.text == (
        f"A one.\n\n{CONFLICT_START}\n\n{CONFLICT_MIDDLE}\n"
        f"B two changed.\n{CONFLICT_END}\n\nC three."
    )
    _assert_regions_rebuild(result, base, current, suggested)


def test_merge_accepts_windows_line_endings():
    result = merge_three("One.\r\n\r\nTwo.", "One!\r\n\r\nTwo.", "One.\r\n\r\nTwo?")
    assert result.text == "One!\n\nTwo?"
    assert not result.conflicted


def test_merge_of_long_text_with_many_scattered_edits():
    base_paras = [f"Paragraph {n} says the same thing as the others do." for n in range(40)]
    current_paras = list(base_paras)
    suggested_paras = list(base_paras)
    current_paras[3] = current_paras[3].replace("same", "very same")
    current_paras[20] = current_paras[20].replace("others", "rest")
    suggested_paras[10] = suggested_paras[10].replace("thing", "idea")
    del suggested_paras[30]
    result = merge_three(
        join_paragraphs(base_paras),
        join_paragraphs(current_paras),
        join_paragraphs(suggested_paras),
    )
    expected = list(current_paras)
    expected[10] = suggested_paras[10]
    del expected[30]
    assert not result.conflicted
    assert result.text == join_paragraphs(expected)


_WORDS = ["the", "service", "must", "open", "at", "9am", "staff", "are", "trained", "fee", "is"]


def _random_body(rng):
    paras = []
    for _ in range(rng.randint(0, 6)):
        lines = [
            " ".join(rng.choices(_WORDS, k=rng.randint(1, 8))) + rng.choice([".", "!", ""])
            for _ in range(rng.randint(1, 2))
        ]
        paras.append("\n".join(lines))
    return join_paragraphs(paras)


def _random_edit(rng, text):
    words = text.split(" ")
    for _ in range(rng.randint(0, 3)):
        action = rng.choice(["replace", "delete", "insert", "drop_paragraph", "add_paragraph"])
        if action == "drop_paragraph":
            paras = paragraphs(" ".join(words))
            if paras:
                del paras[rng.randrange(len(paras))]
            words = join_paragraphs(paras).split(" ")
        elif action == "add_paragraph":
            paras = paragraphs(" ".join(words))
            paras.insert(rng.randint(0, len(paras)), " ".join(rng.choices(_WORDS, k=4)) + ".")
            words = join_paragraphs(paras).split(" ")
        elif action == "insert" or not any(words):
            words.insert(rng.randint(0, len(words)), rng.choice(_WORDS))
        elif action == "replace":
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
        else:
            del words[rng.randrange(len(words))]
    return normalise_newlines(" ".join(words))


@pytest.mark.parametrize("seed", range(150))
def test_merge_properties_hold_for_random_edits(seed):
    rng = random.Random(seed)
    base = _random_body(rng)
    current, suggested = _random_edit(rng, base), _random_edit(rng, base)

    result = merge_three(base, current, suggested)

    _assert_regions_rebuild(result, base, current, suggested)
    assert result.conflicted == any(r.kind == "conflict" for r in result.regions)
    assert has_conflict_markers(result.text) == result.conflicted
    if result.conflicted:
        for line in result.text.split("\n"):
            for marker in (CONFLICT_START, CONFLICT_MIDDLE, CONFLICT_END):
                assert marker not in line or line == marker
    else:
        assert result.text == normalise_newlines("".join(r.merged for r in result.regions))
    assert merge_three(base, base, suggested).text == suggested
    assert merge_three(base, current, base).text == current
    assert merge_three(base, current, current).text == current


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"a\n{CONFLICT_START}\nb", True),
        (f"a\n  {CONFLICT_MIDDLE}  \nb", True),
        (CONFLICT_END, True),
        ("a <<<<<<< current text in a sentence", False),
        ("======== eight", False),
        ("Plain text.", False),
        ("", False),
    ],
)
def test_has_conflict_markers(text, expected):
    assert has_conflict_markers(text) is expected


# --- carry_origins ----------------------------------------------------------------------------


def test_unchanged_paragraphs_keep_their_origins():
    paras = ["A.", "B.", "C."]
    assert carry_origins(paras, [1, 2, 3], paras, 4) == [1, 2, 3]


def test_edited_paragraph_gets_the_new_origin():
    assert carry_origins(["A.", "B.", "C."], [1, 2, 3], ["A.", "B changed.", "C."], 4) == [1, 4, 3]


def test_whitespace_changes_do_not_change_origin():
    assert carry_origins(["A  b\nc."], [1], ["A b c. "], 2) == [1]


def test_inserted_paragraph_gets_the_new_origin():
    assert carry_origins(["A.", "C."], [1, 2], ["A.", "B.", "C."], 3) == [1, 3, 2]
    assert carry_origins([], [], ["First."], 1) == [1]


def test_deleted_paragraph_leaves_the_others_alone():
    assert carry_origins(["A.", "B.", "C."], [1, 2, 3], ["A.", "C."], 4) == [1, 3]


def test_moved_paragraph_keeps_its_origin():
    old = ["A.", "B.", "C.", "D."]
    new = ["B.", "C.", "D.", "A."]
    assert carry_origins(old, [1, 2, 3, 4], new, 5) == [2, 3, 4, 1]


def test_equal_paragraphs_keep_their_own_origins():
    old = ["Same.", "Other.", "Same."]
    assert carry_origins(old, [1, 2, 3], ["Same.", "Other.", "Same."], 4) == [1, 2, 3]
    assert carry_origins(old, [1, 2, 3], ["Same.", "Same."], 4) == [1, 3]
    assert carry_origins(old, [1, 2, 3], ["Same.", "New.", "Other.", "Same."], 4) == [1, 4, 2, 3]


def test_duplicated_paragraph_keeps_the_origin_of_the_words():
    assert carry_origins(["A.", "B."], [1, 2], ["A.", "B.", "A."], 3) == [1, 2, 1]


def test_revert_gives_back_the_origins_of_the_restored_version():
    # Version 1: [A, B]; version 2 edits B into B2; version 3 restores version 1.
    v1, v1_origins = ["A.", "B."], [1, 1]
    v2, v2_origins = ["A.", "B2."], carry_origins(v1, v1_origins, ["A.", "B2."], 2)
    assert v2_origins == [1, 2]
    assert carry_origins(v2, v2_origins, v1, 3, restored=(v1, v1_origins)) == [1, 1]


def test_revert_without_restored_counts_the_restored_text_as_new():
    assert carry_origins(["A.", "B2."], [1, 2], ["A.", "B."], 3) == [1, 3]


def test_restored_only_helps_paragraphs_the_old_version_does_not_have():
    restored = (["A.", "Fresh."], [7, 8])
    assert carry_origins(["A."], [5], ["A.", "Fresh.", "Brand new."], 9, restored=restored) == [
        5,
        8,
        9,
    ]


def test_result_has_one_origin_per_new_paragraph():
    new = ["X.", "Y.", "A.", "Z."]
    assert len(carry_origins(["A.", "B."], [1, 2], new, 3)) == len(new)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="origins"):
        carry_origins(["A.", "B."], [1], ["A."], 2)
    with pytest.raises(ValueError, match="origins"):
        carry_origins(["A."], [1], ["A."], 2, restored=(["A.", "B."], [1]))


# --- plain_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown_paragraph", "expected"),
    [
        ("Plain words.", "Plain words."),
        ("Some *emphasis*, **strong** and `code`.", "Some emphasis, strong and code."),
        ("Read [the guide](https://example.org/guide) first.", "Read the guide first."),
        ("- one\n- two\n- three", "one two three"),
        ("1. first\n2. second", "first second"),
        ("> quoted\n> text", "quoted text"),
        ("### A heading", "A heading"),
        ("Lots   of\n\tspace   \n here", "Lots of space here"),
        ("Fish & chips < 5 > 3", "Fish & chips < 5 > 3"),
        # HTML typed in is shown as typed (escaped), so it is visible text too.
        (
            "Tags <script>alert(1)</script> <b>shown</b>",
            "Tags <script>alert(1)</script> <b>shown</b>",
        ),
        ("", ""),
    ],
)
def test_plain_text_is_the_visible_text_with_whitespace_collapsed(markdown_paragraph, expected):
    assert plain_text(markdown_paragraph) == expected


# --- find_anchor ------------------------------------------------------------------------------


def test_anchor_in_the_same_paragraph_nearest_to_the_old_start():
    paras = ["Intro.", "The fee is due. The fee is fixed. The fee is low."]
    assert find_anchor(paras, "The fee", paragraph=1, start=17) == Anchor(1, 16, 23)
    assert find_anchor(paras, "The fee", paragraph=1, start=0) == Anchor(1, 0, 7)
    assert find_anchor(paras, "The fee", paragraph=1, start=40) == Anchor(1, 34, 41)


def test_anchor_follows_text_that_moved_within_its_paragraph():
    paras = ["New words first. Then the quoted part."]
    assert find_anchor(paras, "quoted part", paragraph=0, start=4) == Anchor(0, 26, 37)


def test_anchor_follows_text_moved_to_another_paragraph():
    paras = ["First.", "Second.", "Moved here: the quoted part."]
    assert find_anchor(paras, "quoted part", paragraph=0, start=0) == Anchor(2, 16, 27)


def test_anchor_prefers_the_same_paragraph_over_a_better_context_elsewhere():
    paras = ["red apple", "green apple"]
    assert find_anchor(paras, "apple", paragraph=1, start=6, prefix="red ") == Anchor(1, 6, 11)


def test_prefix_and_suffix_pick_between_occurrences_in_other_paragraphs():
    paras = ["Removed.", "Buy a red apple today.", "Buy a green apple now."]
    found = find_anchor(paras, "apple", paragraph=0, start=0, prefix="green ", suffix=" now")
    assert found == Anchor(2, 12, 17)
    found = find_anchor(paras, "apple", paragraph=0, start=0, prefix="a red ", suffix=" today")
    assert found == Anchor(1, 10, 15)


def test_without_context_the_nearest_paragraph_wins():
    paras = ["apple", "pear", "gone", "pear", "apple", "apple"]
    assert find_anchor(paras, "apple", paragraph=3, start=0) == Anchor(4, 0, 5)
    assert find_anchor(paras, "apple", paragraph=1, start=0) == Anchor(0, 0, 5)


def test_whitespace_in_quote_and_context_is_collapsed():
    paras = ["", "The service must open at 9am."]
    found = find_anchor(paras, "must\n  open", paragraph=0, start=0, prefix="service\t ")
    assert found == Anchor(1, 12, 21)


def test_case_insensitive_match_only_when_no_exact_match_exists():
    paras = ["The Fee is due.", "the fee is low."]
    assert find_anchor(paras, "the fee", paragraph=0, start=0) == Anchor(1, 0, 7)
    assert find_anchor(["The Fee is due."], "the fee", paragraph=0, start=0) == Anchor(0, 0, 7)
    assert find_anchor(["x", "THE FEE"], "the fee", paragraph=0, start=0) == Anchor(1, 0, 7)


def test_removed_quote_gives_none():
    assert find_anchor(["The fee is due."], "the deadline", paragraph=0, start=4) is None
    assert find_anchor([], "anything", paragraph=0, start=0) is None


@pytest.mark.parametrize("quote", ["", "   ", "\n\t"])
def test_empty_quote_gives_none(quote):
    assert find_anchor(["Some text."], quote, paragraph=0, start=0) is None


def test_paragraph_index_out_of_range_searches_everywhere():
    assert find_anchor(["a b", "c d"], "d", paragraph=7, start=2) == Anchor(1, 2, 3)


def test_quote_with_regex_characters_is_matched_literally():
    paras = ["Cost (approx.) is £1,000+ [est.]"]
    assert find_anchor(paras, "(approx.)", paragraph=0, start=0) == Anchor(0, 5, 14)
    assert find_anchor(paras, "£1,000+ [est.]", paragraph=0, start=0) == Anchor(0, 18, 32)


# --- highlight_html ---------------------------------------------------------------------------


class _Inspector(HTMLParser):
    """Check that HTML is well-formed and collect its text and <mark> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.text = []
        self.marks = []  # (attrs, text inside)
        self._mark_texts = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            return
        self.stack.append(tag)
        if tag == "mark":
            self.marks.append(dict(attrs))
            self._mark_texts.append([])

    def handle_endtag(self, tag):
        assert self.stack, f"</{tag}> without an open element"
        assert self.stack.pop() == tag, f"</{tag}> closes the wrong element"

    def handle_data(self, data):
        self.text.append(data)
        open_marks = self.stack.count("mark")
        if open_marks:
            for texts in self._mark_texts[-open_marks:]:
                texts.append(data)

    def mark_texts(self):
        return ["".join(texts) for texts in self._mark_texts]


def _inspect(html):
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.stack == [], f"unclosed elements: {inspector.stack}"
    return inspector


def _visible(html):
    return " ".join("".join(_inspect(html).text).split())


def _span(text, part, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def test_highlight_wraps_a_simple_range():
    source = "The service must open at 9am."
    html = render(source, trusted_links=True)
    start, end = _span(plain_text(source), "must open")
    result = highlight_html(html, [(start, end, "annotation-12")])
    assert result == (
        '<p class="govuk-body">The service '
        '<mark class="ob-annotated" id="annotation-12">must open</mark> at 9am.</p>'
    )


def test_highlight_of_no_ranges_returns_the_html_unchanged():
    html = render("Some **bold** text &amp; more", trusted_links=True)
    assert highlight_html(html, []) == html


def test_range_spanning_strong_is_split_and_stays_well_formed():
    source = "Buy ten **very strong** chairs for the hall."
    html = render(source, trusted_links=True)
    text = plain_text(source)
    start, _ = _span(text, "ten")
    _, end = _span(text, "chairs")
    result = highlight_html(html, [(start, end, "annotation-3")])
    inspected = _inspect(result)
    assert _visible(result) == _visible(html) == text
    assert len(inspected.marks) == 3
    assert all(mark["class"] == "ob-annotated" for mark in inspected.marks)
    assert [mark.get("id") for mark in inspected.marks] == ["annotation-3", None, None]
    assert "".join(inspected.mark_texts()) == "ten very strong chairs"
    assert "<strong><mark" in result


def test_range_spanning_a_link_and_emphasis():
    source = "See [the *full* guide](https://example.org) today."
    html = render(source, trusted_links=True)
    text = plain_text(source)
    start, end = _span(text, "full guide today")
    result = highlight_html(html, [(start, end, "annotation-1")])
    inspected = _inspect(result)
    assert _visible(result) == text
    assert " ".join(" ".join(inspected.mark_texts()).split()) == "full guide today"
    assert [m.get("id") for m in inspected.marks].count("annotation-1") == 1
    assert 'href="https://example.org"' in result


def test_highlight_keeps_escaped_text_escaped():
    source = "Fish & chips cost < £5 > not 3 > 4"
    html = render(source, trusted_links=True)
    assert "&amp;" in html
    text = plain_text(source)
    start, end = _span(text, "& chips cost <")
    result = highlight_html(html, [(start, end, "annotation-1")])
    assert '<mark class="ob-annotated" id="annotation-1">&amp; chips cost &lt;</mark>' in result
    assert " &gt; not 3 &gt; 4" in result
    assert _visible(result) == text


def test_mark_id_is_escaped():
    html = render("Some text.", trusted_links=True)
    result = highlight_html(html, [(0, 4, '"><script>alert(1)</script>')])
    assert "<script>" not in result
    assert 'id="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in result


def test_ranges_outside_the_text_are_ignored_or_clipped():
    source = "Short text."
    html = render(source, trusted_links=True)
    assert highlight_html(html, [(50, 60, "a-1"), (5, 5, "a-2"), (7, 3, "a-3")]) == html
    clipped = highlight_html(html, [(6, 500, "a-4"), (-10, 5, "a-5")])
    inspected = _inspect(clipped)
    assert inspected.mark_texts() == ["Short", "text."]
    assert [m["id"] for m in inspected.marks] == ["a-5", "a-4"]


def test_multiple_ranges_each_get_their_mark_and_id():
    source = "One two three four five."
    html = render(source, trusted_links=True)
    text = plain_text(source)
    ranges = [(*_span(text, "four"), "annotation-2"), (*_span(text, "One"), "annotation-1")]
    result = highlight_html(html, ranges)
    inspected = _inspect(result)
    assert inspected.mark_texts() == ["One", "four"]
    assert [m["id"] for m in inspected.marks] == ["annotation-1", "annotation-2"]
    assert _visible(result) == text


def test_overlapping_ranges_nest_and_keep_both_ids():
    source = "Alpha beta gamma delta."
    html = render(source, trusted_links=True)
    text = plain_text(source)
    first = (*_span(text, "Alpha beta"), "annotation-1")
    second = (*_span(text, "beta gamma"), "annotation-2")
    result = highlight_html(html, [first, second])
    inspected = _inspect(result)
    ids = [m.get("id") for m in inspected.marks]
    assert ids.count("annotation-1") == 1
    assert ids.count("annotation-2") == 1
    assert _visible(result) == text
    # "beta" is inside both marks; the earlier range is the outer one.
    assert (
        '<mark class="ob-annotated"><mark class="ob-annotated" id="annotation-2">beta</mark></mark>'
        in result
    )
    texts_by_id = {}
    for attrs, texts in zip(inspected.marks, inspected.mark_texts(), strict=True):
        texts_by_id.setdefault(attrs.get("id"), []).append(texts)
    assert texts_by_id["annotation-1"] == ["Alpha "]
    assert texts_by_id["annotation-2"] == ["beta"]


def test_offsets_count_collapsed_whitespace_across_tags_and_lines():
    source = "First   line\nsecond *line*   and  more"
    html = render(source, trusted_links=True)
    text = plain_text(source)
    assert text == "First line second line and more"
    start, end = _span(text, "line and")
    result = highlight_html(html, [(start, end, "a-1")])
    inspected = _inspect(result)
    assert " ".join(" ".join(inspected.mark_texts()).split()) == "line and"
    assert _visible(result) == text


def test_highlight_across_list_items_puts_no_mark_directly_in_the_list():
    source = "- one\n- two\n- three"
    html = render(source, trusted_links=True)
    text = plain_text(source)
    result = highlight_html(html, [(*_span(text, "one two three"), "a-1")])
    inspected = _inspect(result)
    assert inspected.mark_texts() == ["one", "two", "three"]
    assert not re.search(r"<(ul|ol)[^>]*>\s*<mark", result)
    assert not re.search(r"</li>\s*<mark", result)
    assert _visible(result) == text
