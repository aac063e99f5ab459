"""Forms for evaluation. They shape input; the services decide what is allowed."""

from django import forms

from openbuy.evaluation.models import Evaluator
from openbuy.evaluation.services import LIMITS
from openbuy.lessons import capture
from openbuy.lessons.forms import CaptureFields


class EvaluatorForm(forms.Form):
    email = forms.EmailField(label="Their email address", max_length=254)
    kind = forms.ChoiceField(
        label="Role on the panel", choices=Evaluator.Kind.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = "Enter their email address"
        self.fields["kind"].error_messages["required"] = "Choose staff or invited expert"


class DeclarationsForm(forms.Form):
    """One question per supplier, asked by name before any response is shown: is there a
    conflict of interest, and if so what. Fields are named after the supplier's slug."""

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = list(organisations)
        for organisation in self.organisations:
            key = organisation.slug
            field = forms.TypedChoiceField(
                label=f"Do you have a conflict of interest with {organisation.name}?",
                help_text="For example: you worked for them, own shares in them, or are related "
                "to or close to someone who works there.",
                choices=[("no", "No, I have no conflict"), ("yes", "Yes, I have a conflict")],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
            )
            field.error_messages["required"] = (
                f"Say whether you have a conflict with {organisation.name}"
            )
            self.fields[f"conflict_{key}"] = field
            self.fields[f"details_{key}"] = forms.CharField(
                label=f"If yes, describe your conflict with {organisation.name}",
                help_text="It is part of the record, published with the scores.",
                required=False,
                max_length=LIMITS["details"],
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self):
        data = super().clean()
        for organisation in self.organisations:
            key = organisation.slug
            if data.get(f"conflict_{key}") and not data.get(f"details_{key}", "").strip():
                self.add_error(
                    f"details_{key}",
                    f"Describe your conflict with {organisation.name}: it is part of the record",
                )
        return data

    def answers(self) -> dict[int, tuple[bool, str]]:
        return {
            o.pk: (
                bool(self.cleaned_data[f"conflict_{o.slug}"]),
                self.cleaned_data[f"details_{o.slug}"],
            )
            for o in self.organisations
        }


class ScoreForm(forms.Form):
    score = forms.CharField(
        label="Score", max_length=6, widget=forms.TextInput(attrs={"class": "govuk-input--width-3"})
    )
    justification = forms.CharField(
        label="Why this score",
        max_length=LIMITS["justification"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, scale: int, criterion, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].label = f"Score for “{criterion.name}” (0 to {scale})"
        self.fields["justification"].label = f"Why this score for “{criterion.name}”"
        self.fields["score"].error_messages["required"] = "Enter a score"
        self.fields["justification"].error_messages["required"] = "Explain the score"


class ModerationForm(forms.Form):
    score = forms.CharField(
        label="Agreed score",
        max_length=6,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-3"}),
    )
    reason = forms.CharField(
        label="Why the panel agreed this score",
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].error_messages["required"] = "Enter the agreed score"
        self.fields["reason"].error_messages["required"] = "Give the reason"


class UnblindForm(forms.Form):
    reason = forms.CharField(
        label="Why the evaluators must see who the supplier is for this criterion",
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Give the reason"


class AwardForm(forms.Form):
    submission = forms.ChoiceField(label="Award to", widget=forms.RadioSelect)
    rationale = forms.CharField(
        label="Why this submission wins (published)",
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    below_top_reason = forms.CharField(
        label="If it is not the highest score: why it still wins (published)",
        required=False,
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].choices = [
            (
                r.submission.public_id,
                f"{r.submission.organisation.name}: "
                + (f"{r.total.total} of 100" if r.total.total is not None else "not fully scored"),
            )
            for r in choices
        ]
        self.fields["submission"].error_messages["required"] = "Choose the winning submission"
        self.fields["rationale"].error_messages["required"] = "Give the rationale"


class GateForm(CaptureFields, forms.Form):
    """One continue-or-stop choice and reason per supplier in the phase; then, if any supplier
    stops, what that teaches (the service says when it is missing)."""

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        choice = self.fields["lesson_choice"]
        choice.required = False
        choice.label = "If any supplier stops: what does this teach?"
        choice.help_text = (
            "Needed when a supplier stops, and only then. Stopping early is how a stage gate "
            "keeps failure cheap; the lesson is what makes it worth it. Lessons are public and "
            "shown to every buyer who later writes a similar specification."
        )
        self.refs = []
        for row in rows:
            ref, name = row.submission.public_id, row.submission.organisation.name
            total = row.total.total
            score = f" (scored {total} of 100)" if total is not None else ""
            self.refs.append(ref)
            self.fields[f"decision_{ref}"] = forms.ChoiceField(
                label=f"{name}{score}",
                choices=[("continue", "Continue to the next phase"), ("stop", "Stop")],
                widget=forms.RadioSelect,
                error_messages={"required": f"Decide whether {name} continues or stops"},
            )
            self.fields[f"reason_{ref}"] = forms.CharField(
                label=f"Why, for {name}, against the phase's success and kill criteria",
                max_length=LIMITS["reason"],
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": f"Give the reason for {name}"},
            )
        # The suppliers first, then the lesson.
        self.order_fields([f"{part}_{ref}" for ref in self.refs for part in ("decision", "reason")])

    def clean(self):
        data = super().clean()
        if not any(data.get(f"decision_{ref}") == "stop" for ref in self.refs):
            # Nobody stops: nothing to learn is demanded, whatever was half-filled below.
            for name in CaptureFields.base_fields:
                self._errors.pop(name, None)
        return data

    def decisions(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {ref: (data[f"decision_{ref}"], data[f"reason_{ref}"]) for ref in self.refs}

    def stops_entry(self) -> capture.Entry | None:
        """What was written about the stops (:meth:`entry`); None when nothing was chosen."""
        return self.entry() if self.cleaned_data.get("lesson_choice") else None


MARKS = [
    (str(n), label)
    for n, label in ((5, "5: excellent"), (4, "4"), (3, "3"), (2, "2"), (1, "1: poor"))
]


class RatingForm(forms.Form):
    clarity = forms.ChoiceField(
        label="How clear was the specification?", choices=MARKS, widget=forms.RadioSelect
    )
    answers = forms.ChoiceField(
        label="How useful were the answers to questions?", choices=MARKS, widget=forms.RadioSelect
    )
    debrief = forms.ChoiceField(
        label="How useful was the debrief?", choices=MARKS, widget=forms.RadioSelect
    )
    timeliness = forms.ChoiceField(
        label="How reasonable was the time to a decision?", choices=MARKS, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Anything else (public)",
        required=False,
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("clarity", "answers", "debrief", "timeliness"):
            self.fields[name].error_messages["required"] = "Choose a mark from 1 to 5"


class PrizesForm(forms.Form):
    """An amount and a reason per entry, ranked; the entries given an amount win, in order."""

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refs = []
        for row in rows:
            ref, name = row.submission.public_id, row.submission.organisation.name
            self.refs.append(ref)
            total = row.total.total
            scored = f" (scored {total} of 100)" if total is not None else ""
            self.fields[f"amount_{ref}"] = forms.CharField(
                label=f"Prize for {name}{scored}",
                required=False,
                max_length=20,
                help_text="Leave empty for no prize.",
                widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
            )
            self.fields[f"reason_{ref}"] = forms.CharField(
                label=f"Why {name} wins it",
                required=False,
                max_length=LIMITS["reason"],
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def prizes(self, submissions: dict) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "submission": submissions[ref],
                "amount": data[f"amount_{ref}"],
                "reason": data[f"reason_{ref}"],
                "ref": ref,
            }
            for ref in self.refs
            if data.get(f"amount_{ref}")
        ]
