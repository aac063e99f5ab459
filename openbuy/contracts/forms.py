from django import forms

from openbuy.contracts.services import LIMITS
from openbuy.lessons.forms import CaptureFields

DATE = forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"})


class SignForm(forms.Form):
    title = forms.CharField(label="Contract title", max_length=LIMITS["title"])
    starts_on = forms.DateField(label="Starts on", widget=DATE)
    ends_on = forms.DateField(label="Ends on", widget=DATE)


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Milestone", max_length=LIMITS["title"])
    acceptance_criteria = forms.CharField(
        label="Acceptance criteria",
        help_text="What must be true for it to be accepted.",
        max_length=LIMITS["text"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_on = forms.DateField(label="Due on", widget=DATE)


class DecideForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=LIMITS["text"],
        help_text="Required when not accepting: which criteria are not met.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LateDecideForm(CaptureFields, DecideForm):
    """Deciding a milestone more than the margin past due: the note, and what missing it
    teaches (a lesson, or why there is none). Pass ``form.entry()`` to the service."""


class OutcomeForm(forms.Form):
    name = forms.CharField(label="Outcome measure", max_length=LIMITS["name"])
    unit = forms.CharField(label="Unit", required=False, max_length=LIMITS["unit"])
    target = forms.CharField(label="Target", max_length=30)


class ActualForm(forms.Form):
    actual = forms.CharField(label="Measured value", max_length=30)


class AmendForm(forms.Form):
    value_change = forms.CharField(
        label="Change in value",
        max_length=30,
        help_text="Negative for a reduction, like -5000. Zero if the value does not change.",
    )
    reason = forms.CharField(
        label="Why", max_length=LIMITS["text"], widget=forms.Textarea(attrs={"rows": 3})
    )


class TerminateForm(CaptureFields, forms.Form):
    """Why the contract ends early, and what that teaches (a lesson, or why there is none).
    Pass ``form.entry()`` to the service."""

    reason = forms.CharField(
        label="Why the contract ends early (published)",
        max_length=LIMITS["text"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["reason"]


class CompleteForm(forms.Form):
    """Nothing to fill in: a confirmation."""
