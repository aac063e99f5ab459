from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PagesConfig(AppConfig):
    name = "openbuy.pages"
    label = "pages"
    verbose_name = "Pages"

    def ready(self) -> None:
        from openbuy import pagecache

        # Every write anywhere throws the anonymous pages away (ADR 022).
        connection_created.connect(pagecache.install, dispatch_uid="openbuy-pagecache")
