"""Properties of compiling one contracting process's releases into its record, for any releases.

The OCDS merge rules: releases are applied in date order, a later value replaces an earlier one
field by field, ``null`` removes a field, objects in a list are matched by ``id``, lists of
other things (and the lists the schema marks ``wholeListMerge``) are replaced whole, and the
compiled release gets the tag "compiled", the latest date and an id made of the ocid and that
date. The versioned release keeps, for each field, every value it took and which release gave it.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from openbuy.opendata.merge import compile_releases

fast = settings(max_examples=100, deadline=None, derandomize=True)

OCID = "ocds-213czf-000-00001"
START = datetime(2026, 1, 1, tzinfo=UTC)

words = st.text(alphabet="abcdefgh ", min_size=1, max_size=8)
maybe_null = st.one_of(st.none(), words)  # null removes the field from the compiled release
amounts = st.builds(lambda amount: {"amount": amount, "currency": "GBP"}, st.integers(0, 10**7))


def _optional(**fields):
    """An object with any of these fields (each drawn or left out)."""
    return st.fixed_dictionaries({}, optional=fields)


def _by_id(ids, **fields):
    """A list of objects with distinct ids from ``ids``, matched across releases by id."""
    return st.lists(
        st.fixed_dictionaries({"id": st.sampled_from(ids)}, optional=fields),
        min_size=1,
        max_size=len(ids),
        unique_by=lambda item: item["id"],
    )


roles = st.lists(
    st.sampled_from(["buyer", "procuringEntity", "supplier", "tenderer"]),
    min_size=1,
    unique=True,
)
release_fields = _optional(
    initiationType=st.just("tender"),
    language=st.sampled_from(["en", "cy"]),
    buyer=_optional(id=st.just("GB-LAC-E07000001"), name=maybe_null),
    tender=_optional(
        id=st.just("tender-1"),
        title=maybe_null,
        status=st.sampled_from(["planned", "active", "complete", "cancelled"]),
        value=amounts,
        submissionMethod=st.lists(
            st.sampled_from(["electronicSubmission", "written", "inPerson"]),
            min_size=1,
            unique=True,
        ),
        items=_by_id(["1", "2", "3"], description=maybe_null, quantity=st.integers(1, 99)),
    ),
    parties=_by_id(
        ["p1", "p2", "p3"],
        name=words,
        roles=roles,
        details=_optional(scale=st.sampled_from(["sme", "large"]), vcse=st.booleans()),
    ),
    awards=_by_id(
        ["a1", "a2"],
        status=st.sampled_from(["pending", "active", "cancelled"]),
        value=amounts,
    ),
)


@st.composite
def releases(draw, min_size=1, max_size=5):
    """Releases of one ocid with distinct ids and dates, in no particular order."""
    count = draw(st.integers(min_size, max_size))
    minutes = draw(st.lists(st.integers(0, 10**6), min_size=count, max_size=count, unique=True))
    made = []
    for n, minute in enumerate(minutes):
        release = draw(release_fields)
        release.update(
            ocid=OCID,
            id=f"{OCID}-release-{n}",
            date=(START + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            tag=draw(st.sampled_from([["planning"], ["tender"], ["award"], ["tenderUpdate"]])),
        )
        made.append(release)
    return made


def _compiled(given_releases):
    return compile_releases(copy.deepcopy(given_releases))[0]


def _in_date_order(given_releases):
    return sorted(given_releases, key=lambda release: release["date"])


def _content(value):
    """What a release or a compiled release says: no nulls, and no objects with nothing in
    (ocdsmerge drops an object given empty, but keeps one that nulls emptied)."""
    if isinstance(value, dict):
        merged = {key: _content(item) for key, item in value.items() if item is not None}
        return {key: item for key, item in merged.items() if item != {}}
    if isinstance(value, list):
        return [_content(item) for item in value]
    return value


@fast
@given(releases(max_size=1))
def test_a_single_release_compiles_to_itself_tagged_compiled(one):
    (release,) = one
    expected = _content(release)
    expected.update(tag=["compiled"], id=f"{OCID}-{release['date']}")
    assert _content(_compiled(one)) == expected


@fast
@given(releases(), st.randoms(use_true_random=False))
def test_the_order_releases_arrive_in_does_not_matter(given_releases, rng):
    shuffled = list(given_releases)
    rng.shuffle(shuffled)
    assert _compiled(shuffled) == _compiled(given_releases)


@fast
@given(releases())
def test_compiling_the_same_releases_twice_changes_nothing(given_releases):
    assert _compiled(given_releases + given_releases) == _compiled(given_releases)


@fast
@given(releases(min_size=2))
def test_merging_one_more_release_into_the_record_equals_compiling_them_all(given_releases):
    *earlier, latest = _in_date_order(given_releases)
    record_so_far = _compiled(earlier)
    assert _content(_compiled([record_so_far, latest])) == _content(_compiled(given_releases))


@fast
@given(releases())
def test_the_compiled_release_is_named_after_the_latest_release(given_releases):
    latest = _in_date_order(given_releases)[-1]
    compiled = _compiled(given_releases)
    assert compiled["tag"] == ["compiled"]
    assert compiled["date"] == latest["date"]
    assert compiled["id"] == f"{OCID}-{latest['date']}"
    assert compiled["ocid"] == OCID


# Fields that hold one value (a list of codes is replaced whole, so it counts as one).
SCALARS = [
    ("initiationType",),
    ("language",),
    ("buyer", "name"),
    ("tender", "title"),
    ("tender", "status"),
    ("tender", "value", "amount"),
    ("tender", "submissionMethod"),
]


def _get(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return "missing"
        obj = obj[key]
    return obj


@fast
@given(releases())
def test_the_latest_release_that_gives_a_field_wins(given_releases):
    compiled = _compiled(given_releases)
    for path in SCALARS:
        given_values = [_get(r, path) for r in _in_date_order(given_releases)]
        given_values = [value for value in given_values if value != "missing"]
        expected = given_values[-1] if given_values else "missing"
        if expected is None:
            expected = "missing"  # a later null removed it
        assert _get(compiled, path) == expected, path


@fast
@given(releases())
def test_objects_in_lists_are_matched_by_id_in_order_of_first_appearance(given_releases):
    compiled = _compiled(given_releases)
    for path in [("parties",), ("awards",), ("tender", "items")]:
        first_seen: list[str] = []
        for release in _in_date_order(given_releases):
            for item in _get(release, path) if _get(release, path) != "missing" else []:
                if item["id"] not in first_seen:
                    first_seen.append(item["id"])
        merged = _get(compiled, path)
        assert [item["id"] for item in (merged if merged != "missing" else [])] == first_seen
    for party in compiled.get("parties", []):
        givers = [
            given
            for release in _in_date_order(given_releases)
            for given in release.get("parties", [])
            if given["id"] == party["id"] and "roles" in given
        ]
        if givers:
            assert party["roles"] == givers[-1]["roles"]  # a list of codes: replaced whole


@fast
@given(releases())
def test_the_versioned_release_keeps_each_change_with_the_release_that_made_it(given_releases):
    _, versioned = compile_releases(copy.deepcopy(given_releases))
    compiled = _compiled(given_releases)
    by_id = {release["id"]: release for release in given_releases}
    for path in SCALARS:
        history = _get(versioned, path)
        if history == "missing":
            assert _get(compiled, path) == "missing"
            continue
        dates = [version["releaseDate"] for version in history]
        assert dates == sorted(dates)
        for version in history:
            release = by_id[version["releaseID"]]
            assert version["releaseDate"] == release["date"]
            assert version["releaseTag"] == release["tag"]
            assert version["value"] == _get(release, path)
        values = [version["value"] for version in history]
        assert all(a != b for a, b in itertools.pairwise(values))
        final = values[-1]
        assert _get(compiled, path) == ("missing" if final is None else final)


@fast
@given(releases())
def test_party_details_are_versioned_whole(given_releases):
    _, versioned = compile_releases(copy.deepcopy(given_releases))
    for party in versioned.get("parties", []):
        if "details" not in party:
            continue
        given_details = [
            given["details"]
            for release in _in_date_order(given_releases)
            for given in release.get("parties", [])
            if given["id"] == party["id"] and "details" in given
        ]
        values = [version["value"] for version in party["details"]]
        # Every value given, in date order, with repeats of the one before left out.
        assert values == [
            value
            for n, value in enumerate(given_details)
            if n == 0 or value != given_details[n - 1]
        ]
