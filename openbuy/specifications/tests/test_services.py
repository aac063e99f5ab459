"""The specification services: the rules every page, API call and command goes through."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.audit.models import AuditEvent
from openbuy.discussion import notifications
from openbuy.discussion.models import Notification
from openbuy.lessons import gate
from openbuy.needs.models import Need
from openbuy.specifications import selectors, services, texts
from openbuy.specifications.models import Specification, SpecVersion, Suggestion

pytestmark = pytest.mark.django_db


def _section(spec, key):
    spec.refresh_from_db()
    return spec.current_version.section(key)


# --- starting -------------------------------------------------------------------------------


def test_a_buyer_starts_a_specification_from_an_adopted_need(personas, adopted_need):
    spec = services.specification_create(
        actor=personas["buyer"],
        organisation=personas["council"],
        title="Evening access to libraries",
        needs=[adopted_need],
    )
    version = spec.current_version
    assert version.number == 1 and version.kind == SpecVersion.Kind.CREATED
    assert [s["key"] for s in version.sections] == [s.key for s in services.OUTLINE]
    assert f"/needs/{adopted_need.pk}/" in version.section("problem")["body"]
    # Linked both ways.
    assert list(adopted_need.specifications.all()) == [spec]
    assert notifications.is_following(personas["buyer"], spec)
    assert AuditEvent.objects.filter(action="specification.created").count() == 1


@pytest.mark.parametrize("who", ["resident", "frontline", "supplier", "other_buyer", "admin"])
def test_only_buyer_officers_of_the_organisation_start_one(personas, who):
    with pytest.raises(PermissionDenied):
        services.specification_create(
            actor=personas[who], organisation=personas["council"], title="Anything"
        )


def test_only_adopted_needs_of_the_same_buyer_can_seed_it(personas, adopted_need):
    from openbuy.needs import services as needs_services

    open_need = needs_services.need_raise(
        actor=personas["resident"],
        title="Potholes on Mill Lane",
        description="Deep potholes.",
        affects="Cyclists",
        area=adopted_need.area,
        organisation=personas["council"],
    )
    with pytest.raises(ValidationError) as error:
        services.specification_create(
            actor=personas["buyer"],
            organisation=personas["council"],
            title="Roads",
            needs=[open_need],
        )
    assert "needs" in error.value.message_dict
    assert not Specification.objects.exists()


def test_bad_values_are_refused_with_the_field_named(personas):
    for value, field in [
        ("lots", "value_amount"),
        ("-5", "value_amount"),
        ("1e30", "value_amount"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.specification_create(
                actor=personas["buyer"],
                organisation=personas["council"],
                title="Roads",
                value_amount=value,
            )
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.specification_create(
            actor=personas["buyer"], organisation=personas["council"], title="  "
        )
    assert "title" in error.value.message_dict


# --- versions -------------------------------------------------------------------------------


def test_every_edit_is_a_new_immutable_version(personas, spec):
    before = spec.version_count
    version = services.section_edit(
        actor=personas["buyer"], spec=spec, key="timeline", body="We need it by April."
    )
    assert version.number == before + 1
    assert version.changed_sections == ["timeline"]
    with pytest.raises(TypeError):
        version.save()
    with pytest.raises(TypeError):
        SpecVersion.objects.filter(pk=version.pk).update(note="tampered")
    with pytest.raises(ValidationError):
        services.section_edit(
            actor=personas["buyer"], spec=spec, key="timeline", body="We need it by April."
        )


def test_an_edit_from_a_stale_page_is_refused_and_nothing_is_lost(personas, spec):
    opened_at = spec.version_count
    services.section_edit(
        actor=personas["buyer"], spec=spec, key="outcomes", body="Open until 10pm."
    )
    with pytest.raises(ValidationError) as error:
        services.section_edit(
            actor=personas["buyer"],
            spec=spec,
            key="outcomes",
            body="Open until 8pm.",
            base_version=opened_at,
        )
    assert "body" in error.value.message_dict
    assert _section(spec, "outcomes")["body"] == "Open until 10pm."
    # A stale page for a section nobody touched is fine.
    services.section_edit(
        actor=personas["buyer"],
        spec=spec,
        key="constraints",
        body="Must meet the Equality Act.",
        base_version=opened_at,
    )


def test_other_organisations_cannot_write_it(personas, spec):
    for who in ["resident", "frontline", "supplier", "other_buyer", "moderator", "admin"]:
        with pytest.raises(PermissionDenied):
            services.section_edit(actor=personas[who], spec=spec, key="outcomes", body="Mine")
        with pytest.raises(PermissionDenied):
            services.specification_freeze(actor=personas[who], spec=spec)


def test_sections_can_be_added_moved_and_removed(personas, spec):
    services.section_add(actor=personas["buyer"], spec=spec, heading="Outcomes wanted")
    spec.refresh_from_db()
    keys = [s["key"] for s in spec.current_version.sections]
    assert keys[-1] == "outcomes-wanted"  # a unique key, whatever the heading
    services.section_move(actor=personas["buyer"], spec=spec, key="outcomes-wanted", direction="up")
    spec.refresh_from_db()
    assert [s["key"] for s in spec.current_version.sections][-2] == "outcomes-wanted"
    services.section_remove(actor=personas["buyer"], spec=spec, key="outcomes-wanted")
    spec.refresh_from_db()
    assert "outcomes-wanted" not in [s["key"] for s in spec.current_version.sections]
    with pytest.raises(ValidationError):
        services.section_move(actor=personas["buyer"], spec=spec, key="problem", direction="up")


def test_revert_makes_a_new_version_with_the_old_text_and_its_authors(personas, spec):
    supplier = personas["supplier"]
    suggestion = services.suggestion_create(
        actor=supplier,
        spec=spec,
        section_key="outcomes",
        proposed_text="Residents can use the library until 10pm.\n\nWe want fewer complaints "
        "about opening hours.",
        reason="Later hours help night-shift workers.",
    )
    accepted = services.suggestion_accept(actor=personas["buyer"], suggestion=suggestion)
    services.section_edit(actor=personas["buyer"], spec=spec, key="outcomes", body="Scrapped.")
    version = services.specification_revert(
        actor=personas["buyer"], spec=spec, to_number=accepted.number
    )
    assert version.kind == SpecVersion.Kind.REVERT
    section = version.section("outcomes")
    assert section["body"] == accepted.section("outcomes")["body"]
    # The restored first paragraph is still credited to the supplier's version.
    assert section["origins"][0] == accepted.number
    assert spec.versions.count() == version.number  # nothing was lost


# --- suggestions ----------------------------------------------------------------------------


def test_a_supplier_suggestion_accepted_is_credited_to_the_supplier(personas, spec):
    suggestion = services.suggestion_create(
        actor=personas["supplier"],
        spec=spec,
        section_key="outcomes",
        proposed_text="Residents can use the library until 9pm, seven days a week.\n\nWe want "
        "fewer complaints about opening hours.",
        reason="Weekends matter as much as weekdays.",
        on_behalf_of=personas["coop"],
    )
    assert suggestion.base_version == spec.current_version
    version = services.suggestion_accept(
        actor=personas["buyer"], suggestion=suggestion, reason="Good point."
    )
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.ACCEPTED
    assert suggestion.result_version == version
    assert version.author == personas["supplier"] and version.recorded_by == personas["buyer"]
    assert version.suggestion == suggestion
    sections = selectors.provenance(spec, version)
    outcomes = next(s for s in sections if s.key == "outcomes")
    assert outcomes.paragraphs[0].origin == version  # the supplier's words
    assert outcomes.paragraphs[1].origin.number < version.number  # untouched: the buyer's


def test_suggestions_need_a_reason_and_a_change(personas, spec):
    current = spec.current_version.section("outcomes")["body"]
    with pytest.raises(ValidationError) as error:
        services.suggestion_create(
            actor=personas["resident"],
            spec=spec,
            section_key="outcomes",
            proposed_text=current,
            reason="Same",
        )
    assert "proposed_text" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.suggestion_create(
            actor=personas["resident"],
            spec=spec,
            section_key="outcomes",
            proposed_text="X",
            reason="",
        )
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.suggestion_create(
            actor=personas["resident"], spec=spec, section_key="nope", proposed_text="X", reason="Y"
        )
    with pytest.raises(ValidationError) as error:
        services.suggestion_create(
            actor=personas["resident"],
            spec=spec,
            section_key="outcomes",
            proposed_text="X",
            reason="Y",
            on_behalf_of=personas["bigco"],
        )
    assert "on_behalf_of" in error.value.message_dict


def test_rejecting_needs_a_reason_and_only_the_author_withdraws(personas, spec):
    suggestion = services.suggestion_create(
        actor=personas["resident"],
        spec=spec,
        section_key="outcomes",
        proposed_text="Open all night.",
        reason="Why not?",
    )
    with pytest.raises(ValidationError):
        services.suggestion_reject(actor=personas["buyer"], suggestion=suggestion, reason=" ")
    with pytest.raises(PermissionDenied):
        services.suggestion_reject(
            actor=personas["other_buyer"], suggestion=suggestion, reason="No"
        )
    with pytest.raises(PermissionDenied):
        services.suggestion_accept(actor=personas["other_buyer"], suggestion=suggestion)
    with pytest.raises(PermissionDenied):
        services.suggestion_withdraw(actor=personas["supplier"], suggestion=suggestion)
    services.suggestion_reject(
        actor=personas["buyer"], suggestion=suggestion, reason="Staff safety rules this out."
    )
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.REJECTED
    assert suggestion.decision_reason == "Staff safety rules this out."
    with pytest.raises(ValidationError):
        services.suggestion_withdraw(actor=personas["resident"], suggestion=suggestion)


def test_two_suggestions_on_one_base_lose_neither_change(personas, spec, suggest):
    first = suggest("supplier", "until 9pm", "until 10pm", reason="Later.")
    second = suggest("resident", "fewer complaints", "far fewer complaints", reason="Be ambitious.")
    services.suggestion_accept(actor=personas["buyer"], suggestion=first)
    spec.refresh_from_db()
    assert selectors.is_outdated(second, spec.current_version)
    # Never applied blindly: accepting without reviewing the combination is refused.
    with pytest.raises(ValidationError) as error:
        services.suggestion_accept(actor=personas["buyer"], suggestion=second)
    assert "resolved_text" in error.value.message_dict
    current = spec.current_version.section("outcomes")["body"]
    merged = texts.merge_three(second.base_text, current, second.proposed_text)
    assert not merged.conflicted
    # A review against a version that is no longer current is refused too.
    with pytest.raises(ValidationError):
        services.suggestion_accept(
            actor=personas["buyer"],
            suggestion=second,
            resolved_text=merged.text,
            reviewed_version=spec.version_count - 1,
        )
    version = services.suggestion_accept(
        actor=personas["buyer"],
        suggestion=second,
        resolved_text=merged.text,
        reviewed_version=spec.version_count,
    )
    body = version.section("outcomes")["body"]
    assert "until 10pm" in body and "far fewer complaints" in body
    assert version.author == personas["resident"]


def test_a_clash_must_be_resolved_by_hand(personas, spec, suggest):
    first = suggest("supplier", "until 9pm", "until 10pm", reason="Later.")
    second = suggest("resident", "until 9pm", "until 11pm", reason="Even later.")
    services.suggestion_accept(actor=personas["buyer"], suggestion=first)
    spec.refresh_from_db()
    current = spec.current_version.section("outcomes")["body"]
    merged = texts.merge_three(second.base_text, current, second.proposed_text)
    assert merged.conflicted
    with pytest.raises(ValidationError) as error:
        services.suggestion_accept(
            actor=personas["buyer"],
            suggestion=second,
            resolved_text=merged.text,
            reviewed_version=spec.version_count,
        )
    assert "resolved_text" in error.value.message_dict
    second.refresh_from_db()
    assert second.state == Suggestion.State.OPEN


def test_suggestions_and_annotations_close_when_frozen(personas, spec):
    services.specification_freeze(actor=personas["buyer"], spec=spec)
    with pytest.raises(ValidationError):
        services.suggestion_create(
            actor=personas["supplier"],
            spec=spec,
            section_key="outcomes",
            proposed_text="New",
            reason="Better",
        )
    with pytest.raises(ValidationError):
        services.annotation_create(
            actor=personas["resident"], spec=spec, section_key="outcomes", paragraph=0, body="Hm"
        )
    with pytest.raises(ValidationError):
        services.section_edit(actor=personas["buyer"], spec=spec, key="outcomes", body="Changed")


# --- annotations ----------------------------------------------------------------------------


def test_an_annotation_follows_its_words_and_goes_outdated_when_they_go(personas, spec):
    annotation = services.annotation_create(
        actor=personas["resident"],
        spec=spec,
        section_key="outcomes",
        paragraph=1,
        quote="fewer complaints",
        body="How will you count complaints?",
    )
    assert annotation.quote == "fewer complaints" and annotation.start > 0
    services.section_edit(
        actor=personas["buyer"],
        spec=spec,
        key="outcomes",
        body="A new first paragraph.\n\nResidents can use the library until 9pm.\n\nWe want "
        "fewer complaints about opening hours.",
    )
    spec.refresh_from_db()
    document = selectors.document(spec.current_version, [annotation])
    outcomes = next(s for s in document if s.key == "outcomes")
    assert [a.pk for a in outcomes.paragraphs[2].annotations] == [annotation.pk]
    assert 'id="annotation-' in outcomes.paragraphs[2].html
    services.section_edit(
        actor=personas["buyer"], spec=spec, key="outcomes", body="Residents can use it late."
    )
    spec.refresh_from_db()
    document = selectors.document(spec.current_version, [annotation])
    outcomes = next(s for s in document if s.key == "outcomes")
    assert outcomes.outdated == [annotation]


def test_an_annotation_must_quote_words_that_are_there(personas, spec):
    with pytest.raises(ValidationError) as error:
        services.annotation_create(
            actor=personas["resident"],
            spec=spec,
            section_key="outcomes",
            paragraph=0,
            quote="words that are not there",
            body="Hm",
        )
    assert "quote" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.annotation_create(
            actor=personas["resident"], spec=spec, section_key="outcomes", paragraph=99, body="Hm"
        )
    assert "paragraph" in error.value.message_dict
    whole = services.annotation_create(
        actor=personas["resident"], spec=spec, section_key="outcomes", paragraph=0, body="Good"
    )
    assert whole.quote == "Residents can use the library until 9pm."
    with pytest.raises(PermissionDenied):
        services.annotation_withdraw(actor=personas["supplier"], annotation=whole)
    services.annotation_withdraw(actor=personas["resident"], annotation=whole)


# --- freezing, the lessons gate, publishing -----------------------------------------------


class FakeLessons:
    def __init__(self):
        self.acknowledged = []

    def matches(self, text, *, limit):
        return [gate.LessonMatch(7, "The kiosk nobody could use", "/lessons/7/", "Too hard", 0.8)]

    def acknowledge(self, *, actor, target, acknowledgements):
        self.acknowledged.append((actor, target, list(acknowledgements)))


@pytest.fixture
def lessons():
    provider = FakeLessons()
    gate.register(provider)
    yield provider
    gate.register(gate.Register())


def test_freezing_shows_no_lessons_while_the_register_is_empty(personas, spec):
    assert gate.matches(services.gate_text(spec)) == []
    services.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    assert spec.status == Specification.Status.FROZEN
    assert spec.frozen_version == spec.current_version


def test_freezing_requires_every_lesson_to_be_acknowledged(personas, spec, lessons):
    with pytest.raises(ValidationError) as error:
        services.specification_freeze(actor=personas["buyer"], spec=spec)
    assert "lesson_7" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.specification_freeze(
            actor=personas["buyer"],
            spec=spec,
            acknowledgements=[gate.Acknowledgement(7, gate.Verdict.ADDRESSED, "  ")],
        )
    assert "lesson_7_text" in error.value.message_dict
    spec.refresh_from_db()
    assert spec.status == Specification.Status.DRAFTING
    services.specification_freeze(
        actor=personas["buyer"],
        spec=spec,
        acknowledgements=[
            gate.Acknowledgement(7, gate.Verdict.ADDRESSED, "Staff on hand for the first month")
        ],
    )
    assert lessons.acknowledged[0][2][0].text == "Staff on hand for the first month"


def test_reopen_publish_and_amend(personas, spec):
    services.specification_freeze(actor=personas["buyer"], spec=spec)
    with pytest.raises(ValidationError):
        services.specification_reopen(actor=personas["buyer"], spec=spec, reason="")
    services.specification_reopen(actor=personas["buyer"], spec=spec, reason="Late feedback")
    spec.refresh_from_db()
    assert spec.status == Specification.Status.DRAFTING and spec.frozen_version is None
    services.specification_freeze(actor=personas["buyer"], spec=spec)
    services.specification_publish(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    published = spec.frozen_version
    with pytest.raises(ValidationError) as error:
        services.section_edit(actor=personas["buyer"], spec=spec, key="timeline", body="May")
    assert "note" in error.value.message_dict
    version = services.section_edit(
        actor=personas["buyer"],
        spec=spec,
        key="timeline",
        body="May",
        note="The pilot starts a month later",
    )
    spec.refresh_from_db()
    assert version.kind == SpecVersion.Kind.AMENDMENT
    assert spec.frozen_version == version
    # The published version itself never changed.
    published.refresh_from_db()
    assert published.section("timeline")["body"] == ""


# --- telling people -------------------------------------------------------------------------


def test_followers_of_the_need_hear_of_versions_and_decisions(personas, spec, adopted_need):
    notifications.follow(actor=personas["frontline"], target=adopted_need)
    suggestion = services.suggestion_create(
        actor=personas["supplier"],
        spec=spec,
        section_key="timeline",
        proposed_text="By April.",
        reason="Spring is when demand rises.",
    )
    assert Notification.objects.filter(
        user=personas["frontline"], message__contains="suggested an edit"
    ).exists()
    services.suggestion_accept(actor=personas["buyer"], suggestion=suggestion)
    assert Notification.objects.filter(
        user=personas["supplier"], message__contains="was accepted"
    ).exists()
    assert Notification.objects.filter(
        user=personas["frontline"], message__contains="was accepted"
    ).exists()


def test_replies_on_a_suggestion_reach_the_specifications_followers(personas, spec):
    from openbuy.discussion import services as discussion

    notifications.follow(actor=personas["frontline"], target=spec)
    suggestion = services.suggestion_create(
        actor=personas["supplier"],
        spec=spec,
        section_key="timeline",
        proposed_text="By April.",
        reason="Spring.",
    )
    discussion.comment_post(actor=personas["resident"], target=suggestion, body="Agreed!")
    assert Notification.objects.filter(
        user=personas["frontline"], message__contains="commented"
    ).exists()
    # The author follows their own suggestion and hears of replies.
    assert Notification.objects.filter(
        user=personas["supplier"], message__contains="commented"
    ).exists()


def test_the_need_page_links_to_the_specification(client, spec, adopted_need):
    assert Need.objects.get(pk=adopted_need.pk).specifications.get() == spec


# --- found in review ------------------------------------------------------------------------


def test_held_suggestions_are_announced_to_nobody(personas, spec):
    from openbuy.discussion import services as discussion
    from openbuy.discussion.models import Visibility

    notifications.follow(actor=personas["frontline"], target=spec)
    suggestion = services.suggestion_create(
        actor=personas["supplier"],
        spec=spec,
        section_key="timeline",
        proposed_text="By April.",
        reason="Spring.",
    )
    Suggestion.objects.filter(pk=suggestion.pk).update(visibility=Visibility.HELD)
    suggestion.refresh_from_db()
    before = Notification.objects.filter(user=personas["frontline"]).count()
    discussion.comment_post(actor=personas["supplier"], target=suggestion, body="Visit my site")
    with pytest.raises(ValidationError):
        services.suggestion_reject(actor=personas["buyer"], suggestion=suggestion, reason="Spam")
    assert Notification.objects.filter(user=personas["frontline"]).count() == before


def test_details_are_fixed_once_frozen(personas, spec):
    services.specification_freeze(actor=personas["buyer"], spec=spec)
    with pytest.raises(ValidationError):
        services.specification_update(actor=personas["buyer"], spec=spec, title="Renamed")


def test_a_published_section_moves_or_goes_with_a_note(personas, spec):
    services.specification_freeze(actor=personas["buyer"], spec=spec)
    services.specification_publish(actor=personas["buyer"], spec=spec)
    with pytest.raises(ValidationError):
        services.section_remove(actor=personas["buyer"], spec=spec, key="unknowns")
    version = services.section_remove(
        actor=personas["buyer"], spec=spec, key="unknowns", note="Answered at the briefing"
    )
    assert version.kind == SpecVersion.Kind.AMENDMENT
    assert version.note == "Answered at the briefing"


def test_a_heading_renamed_meanwhile_is_not_overwritten_unseen(personas, spec):
    opened = spec.version_count
    services.section_edit(
        actor=personas["org_admin"], spec=spec, key="timeline", body="", heading="When"
    )
    with pytest.raises(ValidationError):
        services.section_edit(
            actor=personas["buyer"],
            spec=spec,
            key="timeline",
            body="April",
            heading="Timeline",
            base_version=opened,
        )


def test_a_loose_list_stays_one_paragraph(personas, spec):
    version = services.section_edit(
        actor=personas["buyer"],
        spec=spec,
        key="judging",
        body="We judge on:\n\n1. Quality\n\n2. Price\n\n3. Social value",
    )
    judging = version.section("judging")
    assert texts.paragraphs(judging["body"]) == [
        "We judge on:",
        "1. Quality\n\n2. Price\n\n3. Social value",
    ]
    assert len(judging["origins"]) == 2
    html = next(s for s in selectors.document(version) if s.key == "judging").paragraphs[1].html
    assert html.count("<ol") == 1 and html.count("<li") == 3


def test_a_currency_must_be_three_latin_letters(personas):
    with pytest.raises(ValidationError) as error:
        services.specification_create(
            actor=personas["buyer"], organisation=personas["council"], title="X", currency="ÄÖÜ"
        )
    assert "currency" in error.value.message_dict
