from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from openbuy.accounts import services
from openbuy.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    """Connects django-allauth to openbuy: audited sign-ups, email through the task layer."""

    def save_user(self, request, user, form, commit=True):
        if not commit:
            return super().save_user(request, user, form, commit=False)
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            services.user_signed_up(user=user)
        return user

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        # Queue after commit, so an email never announces something that was rolled back.
        transaction.on_commit(
            lambda: send_email.enqueue(
                subject=message.subject,
                body=message.body,
                to=list(message.to),
                html=next(
                    (
                        content
                        for content, mime in getattr(message, "alternatives", [])
                        if mime == "text/html"
                    ),
                    None,
                ),
            )
        )
