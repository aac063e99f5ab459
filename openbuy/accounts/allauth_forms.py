"""allauth's account forms, worded as GOV.UK pages are (ACCOUNT_FORMS in settings).

Kept apart from forms.py because allauth imports that module (ACCOUNT_SIGNUP_FORM_CLASS) while
it builds its own forms, which these subclass.
"""

from allauth.account import forms as allauth_forms

# allauth's forms, worded as GOV.UK pages are: labels and error messages that say what to do.
_LABELS = {
    "login": ("Email address", "Enter your email address"),
    "email": ("Email address", "Enter your email address"),
    "password": ("Password", "Enter your password"),
    "password1": ("Password", "Enter a password"),
    "password2": ("Confirm password", "Enter the password again"),
    "oldpassword": ("Current password", "Enter your current password"),
    "remember": ("Remember me on this device", ""),
}


def _govuk_wording(form) -> None:
    for name, field in form.fields.items():
        if name in _LABELS:
            label, required = _LABELS[name]
            field.label = label
            if required:
                field.error_messages["required"] = required
    if "password1" in form.fields and "oldpassword" in form.fields:
        form.fields["password1"].label = "New password"
        form.fields["password2"].label = "Confirm new password"
    if "name" in form.fields:
        form.fields["name"].error_messages["required"] = "Enter your full name"


class GovukLoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk_wording(self)


class GovukSignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk_wording(self)


class GovukResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk_wording(self)


class GovukResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk_wording(self)


class GovukChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk_wording(self)
