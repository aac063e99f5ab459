from django.apps import AppConfig


class SpecificationsConfig(AppConfig):
    name = "openbuy.specifications"
    label = "specifications"
    verbose_name = "Specifications"

    def ready(self) -> None:
        from django.urls import reverse

        from openbuy.discussion import registry
        from openbuy.needs.services import is_frontline_of
        from openbuy.specifications.models import Annotation, Specification, Suggestion
        from openbuy.specifications.selectors import audience

        registry.register(
            registry.Commentable(
                model=Specification,
                is_open=lambda spec: True,
                is_frontline=lambda user, spec: is_frontline_of(user, spec.organisation_id),
                url=lambda spec: reverse("specifications:detail", args=[spec.pk]),
                audience=lambda spec: list(spec.needs.all()),
            )
        )
        registry.register(
            registry.Commentable(
                model=Suggestion,
                is_open=lambda s: s.specification.status != Specification.Status.PUBLISHED,
                is_frontline=lambda user, s: is_frontline_of(user, s.specification.organisation_id),
                url=lambda s: reverse("specifications:suggestion", args=[s.specification_id, s.pk]),
                audience=lambda s: audience(s.specification),
            )
        )
        registry.register(
            registry.Commentable(
                model=Annotation,
                is_open=lambda a: a.state == Annotation.State.OPEN,
                is_frontline=lambda user, a: is_frontline_of(user, a.specification.organisation_id),
                url=lambda a: reverse("specifications:annotation", args=[a.specification_id, a.pk]),
                audience=lambda a: audience(a.specification),
            )
        )
        from openbuy.needs.models import Idea, Need
        from openbuy.specifications.selectors import related_block
        from openbuy.ui import related

        related.register(Need, related_block)
        related.register(Idea, related_block)

        from openbuy.lessons.selectors import acknowledgements_block

        related.register(Specification, acknowledgements_block)

        from openbuy.lessons import links

        links.register(
            "specifications:detail",
            links.Linkable(
                find=lambda kwargs: Specification.objects.filter(pk=kwargs["pk"]).first(),
                organisation_id=lambda spec: spec.organisation_id,
                label=lambda spec: f"Specification: {spec.title}",
            ),
        )
        registry.register_moderatable(
            registry.Moderatable(
                model=Suggestion,
                visibility_field="visibility",
                author_field="author",
                url=lambda s: reverse("specifications:suggestion", args=[s.specification_id, s.pk]),
                describe=lambda s: f"a suggested edit to “{s.specification}”",
                related=("specification",),
            )
        )
        registry.register_moderatable(
            registry.Moderatable(
                model=Annotation,
                visibility_field="visibility",
                author_field="author",
                url=lambda a: reverse("specifications:annotation", args=[a.specification_id, a.pk]),
                describe=lambda a: f"a comment on a passage of “{a.specification}”",
                related=("specification",),
            )
        )
