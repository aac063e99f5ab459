from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "openbuy.needs"
    label = "needs"
    verbose_name = "Needs and ideas"

    def ready(self) -> None:
        from django.urls import reverse

        from openbuy.discussion import registry
        from openbuy.needs.models import Idea, Need
        from openbuy.needs.services import idea_organisation_id, is_frontline_of

        registry.register(
            registry.Commentable(
                model=Need,
                is_open=lambda need: True,  # talk goes on after an answer
                is_frontline=lambda user, need: is_frontline_of(user, need.organisation_id),
                url=lambda need: reverse("needs:detail", args=[need.pk]),
            )
        )
        from openbuy.accounts.models import Organisation

        registry.register_followable(
            Organisation,
            lambda org: reverse("accounts:organisation-detail", args=[org.slug]),
        )
        registry.register_moderatable(
            registry.Moderatable(
                model=Need,
                visibility_field="visibility",
                author_field="author",
                url=lambda need: reverse("needs:detail", args=[need.pk]),
                describe=lambda need: f"the need “{need.title}”",
            )
        )
        registry.register_moderatable(
            registry.Moderatable(
                model=Idea,
                visibility_field="visibility",
                author_field="proposer",
                url=lambda idea: reverse("needs:idea-detail", args=[idea.pk]),
                describe=lambda idea: f"the idea “{idea.title}”",
            )
        )
        registry.register(
            registry.Commentable(
                model=Idea,
                is_open=lambda idea: idea.status != Idea.Status.WITHDRAWN,
                is_frontline=lambda user, idea: is_frontline_of(user, idea_organisation_id(idea)),
                url=lambda idea: reverse("needs:idea-detail", args=[idea.pk]),
            )
        )
