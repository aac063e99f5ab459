from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    """Comments on anything public (needs, ideas, later specifications and processes)."""

    name = "openbuy.discussion"
    label = "discussion"
    verbose_name = "Discussion"

    def ready(self) -> None:
        from django.urls import reverse

        from openbuy.discussion import registry, selectors
        from openbuy.discussion.models import Comment

        def comment_url(comment) -> str:
            kind = registry.get(f"{comment.content_type.app_label}.{comment.content_type.model}")
            page = kind.url(comment.target) if kind else reverse("pages:home")
            return selectors.comment_url(comment, page)

        registry.register_moderatable(
            registry.Moderatable(
                model=Comment,
                visibility_field="status",
                author_field="author",
                url=comment_url,
                describe=lambda comment: f"a comment by {comment.author.name}",
            )
        )
