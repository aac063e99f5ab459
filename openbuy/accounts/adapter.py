from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction

from openbuy.accounts import services
from openbuy.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    """Connects django-allauth to openbuy: audited sign-ups, email through the task layer."""

    def save_user(self, request, user, form, commit=True):
        if not commit:
            return super().save_user(request, user, form, commit=False)
        # The name comes from our sign-up form; set it before the first save, so that the audit
        # event names the person and never records their email address.
        user.name = (form.cleaned_data.get("name") or "").strip()
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            services.user_signed_up(user=user)
        return user

    def send_mail(self, template_prefix, email, context):
        site = context.get("current_site")
        context["current_site"] = SimpleNamespace(
            name=settings.SERVICE_NAME, domain=getattr(site, "domain", "") or ""
        )
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
