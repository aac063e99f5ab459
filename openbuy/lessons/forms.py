"""Forms of the lessons register, and the capture fields other apps' forms take in."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from openbuy.accounts.models import Organisation
from openbuy.lessons import capture
from openbuy.lessons.models import Lesson, Stage
from openbuy.needs.models import Area

WRITE, NONE = "write", "none"


def field_for(name: str) -> str | None:
    """The form field for an error the capture check raised (``lesson.why`` → ``lesson_why``)."""
    if name == "lesson":
        return "lesson_choice"
    if name.startswith("lesson."):
        return "lesson_" + name.split(".", 1)[1]
    return None


class CaptureFields(forms.Form):
    """Mixed into a form whose action is a failure (cancel, stop, terminate …): the action does
    not go ahead without a lesson, or a public reason why there is none.

    Use ``class CancelForm(CaptureFields, forms.Form)`` and pass ``form.entry()`` to the service.
    Errors the service raises for ``lesson.title`` and so on land on ``lesson_title`` and so on
    (see :func:`field_for`).
    """

    lesson_choice = forms.ChoiceField(
        label="What does this teach?",
        help_text="Failing is allowed when it is quick, cheap and learnt from. Lessons are public "
        "and shown to every buyer who later writes a similar specification.",
        choices=[
            (WRITE, "Record a lesson"),
            (NONE, "There is no lesson to learn: say why (published)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Record a lesson, or say why there is no lesson to learn"},
    )
    lesson_title = forms.CharField(
        label="The lesson, in a line",
        required=False,
        max_length=capture.LIMITS["title"],
    )
    lesson_tried = forms.CharField(
        label="What was tried", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lesson_happened = forms.CharField(
        label="What happened", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lesson_why = forms.CharField(
        label="Why it happened (the root cause)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lesson_do_differently = forms.CharField(
        label="What to do differently next time",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lesson_check_names = forms.BooleanField(
        label="Keep the lesson as a draft until I have checked it for the names of individuals",
        required=False,
    )
    # ``ui.forms.apply_errors`` puts the service's ``lesson.why`` errors on ``lesson_why``.
    error_field = staticmethod(field_for)

    no_lesson_reason = forms.CharField(
        label="If there is no lesson: why not",
        required=False,
        max_length=capture.LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        choice = data.get("lesson_choice")
        if choice == WRITE:
            try:
                capture.require(self.entry())
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.add_error(field_for(name), messages)
        elif choice == NONE and not (data.get("no_lesson_reason") or "").strip():
            self.add_error("no_lesson_reason", "Say why there is no lesson to learn")
        return data

    def entry(self) -> capture.Entry:
        data = self.cleaned_data
        if data.get("lesson_choice") == NONE:
            return capture.no_lesson(data.get("no_lesson_reason", ""))
        return capture.lesson(
            **{name: data.get(f"lesson_{name}", "") for name in capture.FIELDS},
            check_names_first=bool(data.get("lesson_check_names")),
        )


# --- the library's own forms ----------------------------------------------------------------


class LibraryFilterForm(forms.Form):
    """Search and filters of the lessons library (``/lessons/``)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=500,
        help_text="Describe what you are about to buy or do: the closest lessons come first.",
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        required=False,
        queryset=None,
        to_field_name="slug",
        empty_label="Any organisation",
    )
    area = forms.ModelChoiceField(
        label="Area", required=False, queryset=None, to_field_name="slug", empty_label="Any area"
    )
    stage = forms.ChoiceField(label="Stage", required=False)
    source = forms.ChoiceField(label="How it was recorded", required=False)
    tag = forms.CharField(label="Tag", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.BUYER
        ).order_by("name")
        self.fields["area"].queryset = Area.objects.filter(is_active=True)
        self.fields["stage"].choices = [("", "Any stage"), *Stage.choices]
        self.fields["source"].choices = [("", "Any way"), *Lesson.Source.choices]

    def filters(self) -> dict:
        """The keyword arguments of :func:`openbuy.lessons.selectors.library`; a bad value
        counts as no filter for its own field only (the form shows its error), the others
        still apply."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "query": (data.get("q") or "").strip(),
            "organisation": data.get("organisation"),
            "area": data.get("area"),
            "stage": data.get("stage") or "",
            "source": data.get("source") or "",
            "tag": (data.get("tag") or "").strip(),
        }


PUBLISH, DRAFT = "publish", "draft"
LONG = {"max_length": "Keep it to 5000 characters"}


class LessonForm(forms.Form):
    """Write a lesson, or change a draft (then without ``organisation`` and ``when``)."""

    organisation = forms.ModelChoiceField(
        label="Which organisation is this lesson from?",
        queryset=None,
        to_field_name="slug",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the organisation the lesson is from"},
    )
    title = forms.CharField(
        label="The lesson, in a line",
        max_length=200,
        error_messages={
            "required": "Enter a title",
            "max_length": "Keep the title to 200 characters",
        },
    )
    tried = forms.CharField(
        label="What was tried",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Say what was tried", **LONG},
    )
    happened = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Say what happened", **LONG},
    )
    why = forms.CharField(
        label="Why it happened (the root cause)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Say why it happened", **LONG},
    )
    do_differently = forms.CharField(
        label="What to do differently next time",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Say what to do differently", **LONG},
    )
    cost_amount = forms.CharField(
        label="What the failure cost (optional)",
        help_text="An amount, like 25000",
        required=False,
        max_length=40,
        error_messages={"max_length": "Enter the cost as a number, like 25000"},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
    )
    cost_currency = forms.CharField(
        label="Currency",
        help_text="A three-letter code, like GBP",
        required=False,
        max_length=3,
        error_messages={"max_length": "Enter a three-letter currency code, like GBP"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4"}),
    )
    area = forms.ModelChoiceField(
        label="Area (optional)",
        required=False,
        queryset=None,
        to_field_name="slug",
        empty_label="No particular area",
    )
    stage = forms.ChoiceField(label="Stage it went wrong at (optional)", required=False)
    about = forms.CharField(
        label="What it is about (optional)",
        help_text="The address on openbuy of your process, stage gate, contract or "
        "specification it comes from, like /processes/12/",
        required=False,
        max_length=500,
    )
    tags = forms.CharField(
        label="Tags (optional)",
        help_text="Other words people might search for, separated by commas",
        required=False,
        max_length=300,
        error_messages={"max_length": "Keep the tags to 300 characters"},
    )
    when = forms.ChoiceField(
        label="Publish it now?",
        choices=[
            (PUBLISH, "Publish now: lessons are public"),
            (DRAFT, "Keep it as a draft to check it for the names of individuals first"),
        ],
        initial=PUBLISH,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to publish it now"},
    )

    def __init__(self, *args, organisations=None, currency: str = "GBP", **kwargs):
        """``organisations``: those the writer may choose from (the field is left out for a
        draft being changed, and when there is only one)."""
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"cost_currency": currency, "when": PUBLISH, **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
            del self.fields["when"]
        elif len(organisations) == 1:
            del self.fields["organisation"]
            self.organisation = organisations[0]
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in organisations]
            ).order_by("name")
        self.fields["area"].queryset = Area.objects.filter(is_active=True)
        self.fields["stage"].choices = [("", "Not given"), *Stage.choices]

    def chosen_organisation(self):
        return self.cleaned_data.get("organisation") or getattr(self, "organisation", None)

    def lesson_data(self) -> dict:
        """What the service takes as ``data``."""
        names = ("title", "tried", "happened", "why", "do_differently", "cost_amount")
        data = {name: self.cleaned_data.get(name, "") for name in names}
        return data | {
            "cost_currency": self.cleaned_data.get("cost_currency") or "",
            "area": self.cleaned_data.get("area"),
            "stage": self.cleaned_data.get("stage") or "",
            "about": self.cleaned_data.get("about") or "",
            "tags": self.cleaned_data.get("tags") or "",
        }

    def publish(self) -> bool:
        return self.cleaned_data.get("when") == PUBLISH


class RedactForm(forms.Form):
    """Remove the names of individuals from a lesson."""

    names = forms.CharField(
        label="Names to remove",
        help_text="One a line. Each is replaced by “[name removed]” wherever it appears, in any "
        "case. The names themselves are not kept.",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        max_length=10_000,
        error_messages={
            "required": "Enter the names to remove, one a line",
            "max_length": "Enter at most 50 names",
        },
    )
    reason = forms.CharField(
        label="Why they are removed (published)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={
            "required": "Say why the names are removed",
            "max_length": "Keep the reason to 2000 characters",
        },
    )

    def name_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["names"].splitlines() if line.strip()]
