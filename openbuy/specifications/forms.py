"""Forms for specification pages. They only shape input; the services decide."""

from django import forms
from django.db.models import Q

from openbuy.accounts.models import Organisation
from openbuy.lessons import gate
from openbuy.needs.models import Idea, Need
from openbuy.specifications.models import Specification, Suggestion
from openbuy.specifications.services import LIMITS


def _required(form: forms.Form, **messages: str) -> None:
    for name, message in messages.items():
        form.fields[name].error_messages["required"] = message


class FilterForm(forms.Form):
    q = forms.CharField(label="Search titles", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *Specification.Status.choices],
    )
    organisation = forms.ChoiceField(label="Buyer", required=False, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        buyers = Organisation.objects.filter(kind=Organisation.Kind.BUYER)
        self.fields["organisation"].choices = [
            ("", "Any buyer"),
            *buyers.values_list("slug", "name"),
        ]


class DetailsForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Buyer", queryset=Organisation.objects.none(), required=False
    )
    title = forms.CharField(label="Title", max_length=LIMITS["title"])
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=LIMITS["summary"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences: what this is for and who it helps.",
    )
    value_amount = forms.CharField(
        label="Estimated value",
        required=False,
        max_length=30,
        help_text="What you expect to spend, if known, like 250000. The wording check compares "
        "turnover and insurance demands with it.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )
    currency = forms.CharField(
        label="Currency",
        required=False,
        max_length=3,
        help_text="A three-letter code, like GBP",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4", "spellcheck": "false"}),
    )
    needs = forms.ModelMultipleChoiceField(
        label="Adopted needs it answers",
        queryset=Need.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ideas = forms.ModelMultipleChoiceField(
        label="Adopted ideas it builds on",
        queryset=Idea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args,
        organisations=(),
        fixed: Organisation | None = None,
        linked_needs=(),
        linked_ideas=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        _required(self, title="Enter a title")
        orgs = [fixed] if fixed is not None else list(organisations)
        ids = [o.pk for o in orgs]
        if fixed is not None or len(orgs) <= 1:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=ids)
            self.fields["organisation"].required = True
            _required(self, organisation="Choose the buyer it is for")
        # Adopted ones, and whatever is already linked (a need reopened since stays linked).
        self.fields["needs"].queryset = Need.objects.filter(
            Q(organisation_id__in=ids, status=Need.Status.ADOPTED) | Q(pk__in=list(linked_needs))
        ).order_by("-support_count", "-id")
        self.fields["ideas"].queryset = Idea.objects.filter(
            Q(adopted_by_id__in=ids, status=Idea.Status.ADOPTED) | Q(pk__in=list(linked_ideas))
        ).order_by("-support_count", "-id")
        if not self.fields["needs"].queryset.exists():
            del self.fields["needs"]
        if not self.fields["ideas"].queryset.exists():
            del self.fields["ideas"]


class SectionForm(forms.Form):
    heading = forms.CharField(label="Heading", max_length=LIMITS["heading"])
    body = forms.CharField(
        label="Text",
        required=False,
        max_length=LIMITS["body"],
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown: a blank line starts a new paragraph; - starts a list item.",
    )
    note = forms.CharField(
        label="Change note",
        required=False,
        max_length=LIMITS["note"],
        help_text="Public. What changed and why.",
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, note_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, heading="Enter a heading")
        if note_required:
            self.fields["note"].required = True
            self.fields["note"].help_text = (
                "Public, and required: this specification has been published, so every change "
                "is announced with its reason."
            )
            _required(self, note="Explain the change")


class SuggestionForm(forms.Form):
    proposed_text = forms.CharField(
        label="Your text for this section",
        required=False,
        max_length=LIMITS["body"],
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Change the text as you would like it to read. Markdown: a blank line starts "
        "a new paragraph.",
    )
    reason = forms.CharField(
        label="Why this is better",
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Public. The buyer reads this when deciding.",
    )
    on_behalf_of = forms.ModelChoiceField(
        label="Suggesting for",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Myself",
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, reason="Say why the change makes the specification better")
        if organisations:
            self.fields["on_behalf_of"].queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in organisations]
            )
        else:
            del self.fields["on_behalf_of"]


class AcceptForm(forms.Form):
    reason = forms.CharField(
        label="Why you accept it (optional)",
        required=False,
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Public, shown with the new version.",
    )
    resolved_text = forms.CharField(
        label="The combined text",
        required=False,
        max_length=LIMITS["body"],
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Both changes are combined here. Check it reads well before accepting.",
    )
    reviewed_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, outdated: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not outdated:
            del self.fields["resolved_text"]
            del self.fields["reviewed_version"]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why you are not accepting it",
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Public. The author and everyone following the specification will see it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, reason="Say why you are not accepting the suggestion")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        max_length=LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, label: str = "Why", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        _required(self, reason="Give a reason")


class SuggestionFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="Show", required=False, choices=[("", "All"), *Suggestion.State.choices]
    )


class AnnotationForm(forms.Form):
    section_key = forms.ChoiceField(label="Section", choices=[])
    paragraph = forms.TypedChoiceField(
        label="Paragraph", coerce=int, choices=[], widget=forms.RadioSelect
    )
    quote = forms.CharField(
        label="The words you are commenting on (optional)",
        required=False,
        max_length=LIMITS["quote"],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Copy them from the paragraph. Leave this empty to comment on the whole "
        "paragraph.",
    )
    body = forms.CharField(
        label="Your comment",
        max_length=LIMITS["comment"],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    start = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, sections=(), section_key: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        _required(
            self,
            section_key="Choose a section",
            paragraph="Choose the paragraph you are commenting on",
            body="Write your comment",
        )
        self.fields["section_key"].choices = [(s.key, s.heading) for s in sections]
        chosen = next((s for s in sections if s.key == section_key), None)
        if chosen is None and sections:
            chosen = sections[0]
        # The section is chosen with the picker above the form, so the paragraphs offered are
        # always the ones of the section the comment is saved on.
        self.fields["section_key"].widget = forms.HiddenInput()
        if chosen is not None:
            self.initial["section_key"] = chosen.key
            self.fields["paragraph"].label = f"Paragraph of “{chosen.heading}”"
            self.fields["paragraph"].choices = [
                (p.index, f"Paragraph {p.index + 1}: {_excerpt(p.plain)}")
                for p in chosen.paragraphs
            ]


def _excerpt(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


class CompareForm(forms.Form):
    from_version = forms.IntegerField(label="From version", min_value=1)
    to_version = forms.IntegerField(label="To version", min_value=1)


class FreezeForm(forms.Form):
    """One pair of fields per lesson the gate shows: a verdict and how/why."""

    def __init__(self, *args, lessons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lessons = list(lessons)
        for lesson in self.lessons:
            self.fields[f"lesson_{lesson.id}"] = forms.ChoiceField(
                label=lesson.title,
                choices=gate.Verdict.CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": f"Say whether “{lesson.title}” is addressed"},
            )
            self.fields[f"lesson_{lesson.id}_text"] = forms.CharField(
                label=f"For “{lesson.title}”: how it is addressed, or why it is not relevant",
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": f"Explain your answer for “{lesson.title}”"},
            )

    def acknowledgements(self) -> list[gate.Acknowledgement]:
        data = self.cleaned_data
        return [
            gate.Acknowledgement(
                lesson.id,
                data.get(f"lesson_{lesson.id}", ""),
                data.get(f"lesson_{lesson.id}_text", ""),
            )
            for lesson in self.lessons
        ]
