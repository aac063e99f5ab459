from django import forms

from openbuy.discussion.models import Comment, Report
from openbuy.discussion.services import MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown works: **bold**, *italic*, [links](https://…) and lists. You can "
        "correct it for 15 minutes after posting; earlier versions stay visible.",
    )
    stance = forms.ChoiceField(
        label="Your view (optional)",
        choices=Comment.Stance.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        if prefix_id:
            kwargs.setdefault("auto_id", f"id_{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        self.fields["body"].error_messages["required"] = "Write your comment"
        self.fields["stance"].initial = ""


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you reporting it?", choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    detail = forms.CharField(
        label="Anything a moderator should know (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Select why you are reporting it"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("restore", "Restore: it is within the rules"), ("hide", "Hide it")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason", max_length=2000)
    block_author = forms.BooleanField(label="Also block the author", required=False)
