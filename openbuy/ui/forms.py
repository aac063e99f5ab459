"""Every Django form in openbuy renders as GOV.UK Frontend markup.

The renderer swaps Django's default form and field templates for GOV.UK ones, and its bound field
adds the component classes and ARIA links (hint, error message) to each widget, so a form written
the ordinary Django way comes out accessible and in the design system's style.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

_WIDGET_CLASSES = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "checkbox": "govuk-checkboxes__input",
    "radioselect": "govuk-radios__input",
    "checkboxselectmultiple": "govuk-checkboxes__input",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
}
_ERROR_CLASSES = {
    "govuk-input": "govuk-input--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-select": "govuk-select--error",
    "govuk-file-upload": "govuk-file-upload--error",
}


class GovukBoundField(BoundField):
    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}_helptext"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}_error"

    @property
    def is_choice_group(self) -> bool:
        return self.widget_type in {"radioselect", "checkboxselectmultiple"}

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = _WIDGET_CLASSES.get(self.widget_type, "govuk-input")
        classes = [css]
        if self.errors and css in _ERROR_CLASSES:
            classes.append(_ERROR_CLASSES[css])
        extra = attrs.get("class") or widget.attrs.get("class")
        if extra:
            classes.append(extra)
        attrs["class"] = " ".join(classes)
        if not self.is_choice_group:
            described_by = []
            if self.help_text:
                described_by.append(self.hint_id)
            if self.errors:
                described_by.append(self.error_id)
            if described_by:
                attrs["aria-describedby"] = " ".join(described_by)
            else:
                attrs.pop("aria-describedby", None)
        else:
            attrs.pop("aria-describedby", None)
        attrs.pop("aria-invalid", None)
        # GOV.UK: no placeholders; the label and hint say what to type.
        attrs["placeholder"] = False
        return attrs


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
    bound_field_class = GovukBoundField


class EmailInput(forms.EmailInput):
    """An email box as GOV.UK recommends: no spellcheck, email autocomplete."""

    def __init__(self, attrs=None):
        super().__init__({"spellcheck": "false", "autocomplete": "email", **(attrs or {})})


def apply_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, next to the field it names.

    A form whose fields are named differently from the service's keys translates them with an
    ``error_field(key)`` method returning its field's name (or None): the lesson capture fields
    use :func:`openbuy.lessons.forms.field_for`, so ``lesson.why`` lands on ``lesson_why``. A key
    the form has no field for goes to the top of the form."""
    if hasattr(error, "error_dict"):
        translate = getattr(form, "error_field", None)
        for key, errors in error.error_dict.items():
            field = key if key in form.fields else (translate(key) if translate else None)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def attempt(request, form, action, done: str):
    """The POST half of a form page: on a valid POST run ``action(cleaned_data)`` and flash
    ``done``, returning the action's result (or True). A ValidationError goes onto the form,
    which keeps what was typed, and the result is None, as it is for a GET."""
    from django.contrib import messages

    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return None
    messages.success(request, done)
    return True if result is None else result
