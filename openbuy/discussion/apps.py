from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    """Comments on anything public (needs, ideas, later specifications and processes)."""

    name = "openbuy.discussion"
    label = "discussion"
    verbose_name = "Discussion"
