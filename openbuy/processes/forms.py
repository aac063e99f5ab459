"""Forms for processes. They collect and shape input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from openbuy.lessons.forms import CaptureFields
from openbuy.needs.models import Area
from openbuy.processes import selectors
from openbuy.processes.lifecycle import Status
from openbuy.processes.models import Criterion, Process
from openbuy.processes.services import LIMITS
from openbuy.specifications.forms import FreezeForm

MAX_CRITERIA_ROWS = 8
MAX_LOT_ROWS = 6


def _required(form: forms.Form, **messages: str) -> None:
    for name, message in messages.items():
        form.fields[name].error_messages["required"] = message


class FilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *Process.Kind.choices]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.choices]
    )
    buyer = forms.CharField(label="Buyer", required=False, max_length=80, widget=forms.HiddenInput)
    area = forms.ModelChoiceField(
        label="Area",
        required=False,
        queryset=Area.objects.filter(is_active=True),
        to_field_name="slug",
        empty_label="Any area",
    )
    value = forms.ChoiceField(
        label="Value",
        required=False,
        choices=[("", "Any value")] + [(b[0], b[1]) for b in selectors.VALUE_BANDS],
    )
    closing_soon = forms.BooleanField(
        label=f"Closing in the next {selectors.CLOSING_SOON_DAYS} days", required=False
    )

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        area = data.get("area")
        return selectors.Filters(
            query=data.get("q") or "",
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            buyer=data.get("buyer") or "",
            area=area.slug if area else "",
            value=data.get("value") or "",
            closing_soon=bool(data.get("closing_soon")),
        )


class CreateForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of process is it?",
        choices=[
            ("tender", "Tender: one open competition, optionally in lots"),
            ("challenge", "Challenge: prizes for the best answers, in phases"),
            (
                "staged",
                "Staged competition: feasibility, then prototype, then pilot, "
                "with fewer suppliers at each stage",
            ),
        ],
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label="Title", max_length=LIMITS["title"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, kind="Choose the kind of process", title="Enter a title")


class DetailsForm(forms.Form):
    title = forms.CharField(label="Title", max_length=LIMITS["title"])
    summary = forms.CharField(
        label="Summary for suppliers",
        required=False,
        max_length=LIMITS["summary"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    area = forms.ModelChoiceField(
        label="Area", required=False, queryset=Area.objects.filter(is_active=True)
    )
    value_amount = forms.CharField(label="Value", required=False, max_length=30)
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        help_text="A three-letter code, like GBP.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-3"}),
    )
    how_to_enter = forms.CharField(
        label="How to enter",
        required=False,
        max_length=LIMITS["how_to_enter"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    amendment_days = forms.IntegerField(
        label="Days left after an amendment",
        min_value=1,
        max_value=60,
        help_text="A change while the process is open moves the deadline so at least this many "
        "days remain.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    question_days = forms.IntegerField(
        label="Days a question may wait",
        min_value=1,
        max_value=60,
        help_text="The deadline does not pass while a question older than this is unanswered: "
        "it moves on by this many days.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )

    def __init__(self, *args, process: Process, **kwargs):
        super().__init__(*args, **kwargs)
        from openbuy.processes import kinds

        rules = kinds.rules_for(process.kind)
        self.fields["value_amount"].label = rules.value_label
        self.fields["value_amount"].help_text = rules.value_hint
        if rules.entry_help:
            self.fields["how_to_enter"].help_text = rules.entry_help
        else:
            del self.fields["how_to_enter"]
        _required(self, title="Enter a title")


class SplitDateTimeWidget(forms.SplitDateTimeWidget):
    """The field's label points at the date box (Django's points at nothing), so the error
    summary links somewhere; each box also names itself, as two inputs share one label."""

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_


class DateTimeField(forms.SplitDateTimeField):
    """A date box and a time box, read in the service's time zone."""

    def __init__(self, **kwargs):
        label = kwargs.get("label") or ""
        kwargs.setdefault(
            "widget",
            SplitDateTimeWidget(
                date_attrs={
                    "type": "date",
                    "class": "govuk-input--width-10",
                    "aria-label": f"{label}: date",
                },
                time_attrs={
                    "type": "time",
                    "class": "govuk-input--width-5",
                    "aria-label": f"{label}: time",
                },
                date_format="%Y-%m-%d",
                time_format="%H:%M",
            ),
        )
        super().__init__(**kwargs)


class PhaseForm(forms.Form):
    title = forms.CharField(label="Name of the phase", max_length=LIMITS["title"])
    description = forms.CharField(
        label="What happens in it",
        required=False,
        max_length=LIMITS["description"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    budget_amount = forms.CharField(label="Budget for the phase", required=False, max_length=30)
    take_forward = forms.IntegerField(
        label="How many suppliers it will take forward",
        required=False,
        min_value=1,
        max_value=100,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    success_criteria = forms.CharField(
        label="What success looks like",
        required=False,
        help_text="Declared before the phase starts.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kill_criteria = forms.CharField(
        label="When we would stop",
        required=False,
        help_text="Stopping early is a normal outcome: say now what would make us stop.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    enquiry_end = DateTimeField(
        label="Questions close", required=False, help_text="Date, then time (24-hour clock)."
    )
    deadline = DateTimeField(
        label="Submission deadline", required=False, help_text="Date, then time (24-hour clock)."
    )
    evaluation_date = forms.DateField(
        label="Evaluation by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
    )
    decision_date = forms.DateField(
        label="Expected award or decision",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, title="Name the phase")


class CriteriaForm(forms.Form):
    """Up to eight rows of kind, name, weight and description; empty rows are ignored."""

    note = forms.CharField(
        label="Change note",
        required=False,
        max_length=LIMITS["note"],
        help_text="Public. Needed once the process is published: the change is an amendment.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, published: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not published:
            del self.fields["note"]
        for i in range(MAX_CRITERIA_ROWS):
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label=f"Criterion {i + 1}: kind",
                required=False,
                choices=[("", "Not used"), *Criterion.Kind.choices],
            )
            self.fields[f"name_{i}"] = forms.CharField(
                label=f"Criterion {i + 1}: name", required=False, max_length=LIMITS["name"]
            )
            self.fields[f"weight_{i}"] = forms.CharField(
                label=f"Criterion {i + 1}: weight (%)",
                required=False,
                max_length=4,
                widget=forms.TextInput(attrs={"class": "govuk-input--width-3"}),
            )
            self.fields[f"description_{i}"] = forms.CharField(
                label=f"Criterion {i + 1}: what it looks for",
                required=False,
                max_length=LIMITS["description"],
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        return [
            [self[f"kind_{i}"], self[f"name_{i}"], self[f"weight_{i}"], self[f"description_{i}"]]
            for i in range(MAX_CRITERIA_ROWS)
        ]

    def criteria(self) -> list[dict]:
        """The rows filled in (any box), in order; ``self.row_of`` maps each back to its row."""
        data, made = self.cleaned_data, []
        self.row_of: list[int] = []
        for i in range(MAX_CRITERIA_ROWS):
            boxes = ("kind", "name", "weight", "description")
            if any(data.get(f"{box}_{i}") for box in boxes):
                self.row_of.append(i)
                made.append(
                    {
                        "kind": data.get(f"kind_{i}"),
                        "name": data.get(f"name_{i}"),
                        "weight": data.get(f"weight_{i}"),
                        "description": data.get(f"description_{i}"),
                    }
                )
        return made

    @staticmethod
    def initial_for(process: Process) -> dict:
        initial = {}
        for i, c in enumerate(process.criteria.all()):
            initial |= {
                f"kind_{i}": c.kind,
                f"name_{i}": c.name,
                f"weight_{i}": c.weight,
                f"description_{i}": c.description,
            }
        return initial


class LotsForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(MAX_LOT_ROWS):
            self.fields[f"title_{i}"] = forms.CharField(
                label=f"Lot {i + 1}: title", required=False, max_length=LIMITS["title"]
            )
            self.fields[f"value_{i}"] = forms.CharField(
                label=f"Lot {i + 1}: value", required=False, max_length=30
            )

    def lots(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"title": data.get(f"title_{i}"), "value_amount": data.get(f"value_{i}")}
            for i in range(MAX_LOT_ROWS)
            if data.get(f"title_{i}") or data.get(f"value_{i}")
        ]


class PublishForm(FreezeForm):
    """The lessons gate's acknowledgements, one pair of fields per lesson shown."""


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Your question",
        max_length=LIMITS["question"],
        help_text="Nobody will see who asked: not the public, not other suppliers, not the "
        "buyer. The answer is published to everyone at once.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, question="Enter your question")


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Answer, published to everyone",
        max_length=LIMITS["answer"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, asked=None, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, answer="Enter the answer")
        if asked is not None:
            # Several answer boxes share a page: each label says which question it answers.
            when = timezone.localtime(asked).strftime("%d %B %Y %H:%M")
            self.fields["answer"].label = f"Answer to the question asked {when}"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason, published with the decision",
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, reason="Give a reason")


class EndForm(CaptureFields, ReasonForm):
    """Cancelling a process or closing it without an award: the reason, and what the failure
    teaches (a lesson, or why there is none). Pass ``form.entry()`` to the service."""


class ExtendForm(ReasonForm):
    deadline = DateTimeField(label="New deadline", help_text="Date, then time (24-hour clock).")

    field_order = ["deadline", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, deadline="Enter the new deadline")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class SubmissionForm(forms.Form):
    """A response: one answer per non-price criterion, a price, files. Shown to nobody else."""

    price = forms.CharField(label="Your price", required=False, max_length=30)
    files = MultipleFileField(
        label="Attach files",
        required=False,
        help_text="PDF, PNG, JPEG, CSV or text; up to 5 files of 10 MB. They are sealed too.",
    )

    def __init__(self, *args, process: Process, organisations=(), lots=(), kept_files=(), **kw):
        super().__init__(*args, **kw)
        self.criteria = list(process.criteria.all())
        if len(organisations) > 1:
            self.fields["organisation"] = forms.ChoiceField(
                label="Submitting for", choices=[(o.slug, o.name) for o in organisations]
            )
        if lots:
            self.fields["lot"] = forms.ChoiceField(
                label="Lot", choices=[(str(lot.number), str(lot)) for lot in lots]
            )
        for criterion in self.criteria:
            if criterion.kind == Criterion.Kind.PRICE:
                self.fields["price"].label = f"Your price ({process.currency})"
                self.fields["price"].help_text = f"Weighted {criterion.weight}%."
                continue
            self.fields[f"answer_{criterion.number}"] = forms.CharField(
                label=f"{criterion.name} ({criterion.weight}%)",
                help_text=criterion.description,
                required=False,
                max_length=LIMITS["response"],
                widget=forms.Textarea(attrs={"rows": 6}),
            )
        if not any(c.kind == Criterion.Kind.PRICE for c in self.criteria):
            del self.fields["price"]
        if kept_files:
            self.fields["remove_files"] = forms.MultipleChoiceField(
                label="Remove attached files",
                required=False,
                choices=[(f["id"], f"{f['name']} ({f['size']:,} bytes)") for f in kept_files],
                widget=forms.CheckboxSelectMultiple,
            )
        order = ["organisation", "lot"] + [f"answer_{c.number}" for c in self.criteria]
        self.order_fields([*order, "price", "remove_files", "files"])

    def answers(self) -> dict:
        return {
            str(c.number): self.cleaned_data.get(f"answer_{c.number}", "")
            for c in self.criteria
            if c.kind != Criterion.Kind.PRICE
        }


class ReceiptForm(forms.Form):
    sha256 = forms.CharField(
        label="Receipt",
        max_length=200,
        help_text="The 64-character SHA-256 receipt you were given when you submitted.",
    )


class InviteForm(forms.Form):
    organisations = forms.MultipleChoiceField(
        label="Suppliers to take forward", widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, bidders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].choices = [(o.slug, o.name) for o in bidders]
        _required(self, organisations="Choose at least one supplier")
