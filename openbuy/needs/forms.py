from django import forms

from openbuy.accounts.models import Organisation
from openbuy.needs.models import Area, Idea, Need
from openbuy.needs.selectors import SORTS
from openbuy.needs.services import ALLOWED_MOVES


class NeedForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=150,
        help_text="A short summary of the problem, for example “No step-free access at "
        "Riverside station”.",
    )
    description = forms.CharField(
        label="Describe the problem",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What goes wrong, when, and what it costs the people affected. Describe the "
        "problem, not a solution: others may know a better answer.",
    )
    affects = forms.CharField(
        label="Who does it affect?",
        max_length=300,
        help_text="For example: parents of young children in the north of the borough",
    )
    area = forms.ModelChoiceField(
        label="Area", queryset=Area.objects.filter(is_active=True), empty_label="Select an area"
    )
    organisation = forms.ModelChoiceField(
        label="Buying organisation (optional)",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.BUYER),
        required=False,
        empty_label="Not addressed to a particular organisation",
        help_text="The public body you think should answer it.",
    )
    place = forms.CharField(label="Place (optional)", max_length=200, required=False)
    evidence = forms.CharField(
        label="Evidence (optional)",
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Links to reports, photos or data, one per line.",
    )
    confirmed_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].error_messages["required"] = "Select the area the need is about"
        self.fields["title"].error_messages["required"] = "Enter a short title for the need"
        self.fields["description"].error_messages["required"] = "Describe the problem"
        self.fields["affects"].error_messages["required"] = "Say who the problem affects"


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label="Answer", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Public answer",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Everyone can read this, and everyone who supports the need is told.",
    )
    link_url = forms.URLField(
        label="Link (optional)",
        required=False,
        assume_scheme="https",
        help_text="Where the adoption or the existing solution can be seen. Required for "
        "“already solved”.",
    )
    duplicate_of = forms.IntegerField(
        label="Number of the need this one duplicates",
        required=False,
        min_value=1,
        help_text="Only for “duplicate”. The number is in the need's web address.",
    )
    organisation = forms.ModelChoiceField(
        label="Answering for", queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, need: Need, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        moves = ALLOWED_MOVES[Need.Status(need.status)]
        self.fields["status"].choices = [(s.value, s.label) for s in Need.Status if s in moves]
        self.fields["status"].error_messages["required"] = "Select an answer"
        self.fields["reason"].error_messages["required"] = (
            "Explain the answer: everyone who supports the need will read it"
        )
        if organisations is not None and len(organisations) > 1:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in organisations]
            )
            self.fields["organisation"].required = True
        else:
            del self.fields["organisation"]


class NeedFilterForm(forms.Form):
    sort = forms.ChoiceField(label="Sort by", choices=list(SORTS.items()), required=False)
    area = forms.ChoiceField(label="Area", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            ("open", "Open or under consideration"),
            ("answered", "Answered"),
            *Need.Status.choices,
        ],
    )
    organisation = forms.ChoiceField(label="Organisation", required=False)
    place = forms.CharField(label="Place", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Area.objects.filter(is_active=True).values_list("slug", "name")
        buyers = Organisation.objects.filter(kind=Organisation.Kind.BUYER)
        self.fields["area"].choices = [("", "All areas"), *areas]
        self.fields["organisation"].choices = [
            ("", "All organisations"),
            *buyers.values_list("slug", "name"),
        ]


class PolicyForm(forms.Form):
    support_threshold = forms.IntegerField(
        label="Supports that oblige a public answer",
        min_value=1,
        max_value=1_000_000,
        help_text="When a need addressed to you reaches this many supports, you must answer it.",
    )
    answer_within_days = forms.IntegerField(
        label="Days to answer",
        min_value=1,
        max_value=365,
        help_text="Counted from the day the need reaches the number of supports.",
    )
    vote_budget = forms.IntegerField(
        label="Supports per person (optional)",
        min_value=1,
        required=False,
        help_text="How many of your open needs one person may support at once. Leave empty for "
        "no limit.",
    )


class IdeaForm(forms.Form):
    title = forms.CharField(label="Title", max_length=150)
    description = forms.CharField(
        label="Describe the idea",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What would be done, by whom, and how it would help. Say what you know of the "
        "evidence that it works.",
    )
    cost_band = forms.ChoiceField(
        label="Expected cost",
        choices=Idea.CostBand.choices,
        widget=forms.RadioSelect,
        initial=Idea.CostBand.UNKNOWN,
    )
    need = forms.IntegerField(widget=forms.HiddenInput, required=False)
    on_behalf_of = forms.ModelChoiceField(
        label="Proposed on behalf of (optional)",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Just me",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "Enter a short title for the idea"
        self.fields["description"].error_messages["required"] = "Describe the idea"
        suppliers = (
            Organisation.objects.filter(kind=Organisation.Kind.SUPPLIER, memberships__user=user)
            if user is not None and user.is_authenticated
            else Organisation.objects.none()
        )
        if suppliers.exists():
            self.fields["on_behalf_of"].queryset = suppliers
        else:
            del self.fields["on_behalf_of"]


class AdoptForm(forms.Form):
    reason = forms.CharField(
        label="What you will do with it",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Public. For example: “We will use it to write the specification for the "
        "library booking system.”",
    )
    organisation = forms.ModelChoiceField(
        label="Adopting for", queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Say what you will do with the idea"
        if organisations is not None and len(organisations) > 1:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in organisations]
            )
            self.fields["organisation"].required = True
        else:
            del self.fields["organisation"]


class RoundForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=150, help_text="For example: “Transport needs, winter 2026”."
    )
    question = forms.CharField(
        label="Question", max_length=200, initial="Which of these matters more?"
    )
    needs = forms.ModelMultipleChoiceField(
        label="Needs to rank",
        queryset=Need.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose from 2 to 50 of your open needs.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = Need.objects.filter(
            organisation=organisation, status__in=Need.OPEN_STATUSES
        ).order_by("-support_count", "id")
        self.fields["needs"].error_messages["required"] = "Choose the needs to rank"
        self.fields["title"].error_messages["required"] = "Enter a title for the round"
