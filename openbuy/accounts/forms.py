from django import forms

from openbuy.accounts.models import Membership, Organisation, User
from openbuy.accounts.services import ORGANISATION_FIELDS
from openbuy.ui.forms import EmailInput


class SignupForm(forms.Form):
    """The extra sign-up field allauth asks us for: the name shown next to what you write."""

    name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="Shown next to what you write in public.",
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )

    field_order = ["name", "email", "password1", "password2"]

    def signup(self, request, user):
        """allauth calls this after saving; the adapter has already set the name."""


class ProfileForm(forms.Form):
    name = forms.CharField(
        label="Full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email_notifications = forms.ChoiceField(
        label="Email me about what I follow and support",
        choices=User.EmailFrequency.choices,
        widget=forms.RadioSelect,
    )


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label="Website", required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = list(ORGANISATION_FIELDS)
        labels = {
            "name": "Organisation name",
            "kind": "Kind of organisation",
            "is_social_enterprise": "This supplier is a social enterprise",
        }
        widgets = {"kind": forms.RadioSelect, "size": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["size"].choices = [("", "Not a supplier"), *Organisation.Size.choices]
        self.fields["size"].required = False
        if self.instance.pk:
            del self.fields["kind"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind", self.instance.kind)
        if kind == Organisation.Kind.SUPPLIER and not cleaned.get("size"):
            self.add_error("size", "Select the supplier's size.")
        if kind == Organisation.Kind.BUYER:
            if cleaned.get("size"):
                self.add_error("size", "Only suppliers have a size.")
            if cleaned.get("is_social_enterprise"):
                self.add_error("is_social_enterprise", "Only suppliers can be social enterprises.")
        return cleaned


class MemberAddForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="They need an openbuy account with this address.",
        widget=EmailInput,
    )
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        roles = Membership.ROLES_BY_KIND[Organisation.Kind(organisation.kind)]
        self.fields["role"].choices = [(r.value, r.label) for r in roles]


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        roles = Membership.ROLES_BY_KIND[Organisation.Kind(organisation.kind)]
        self.fields["role"].choices = [(r.value, r.label) for r in roles]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="To tell your tokens apart later, for example 'reporting script'.",
    )
