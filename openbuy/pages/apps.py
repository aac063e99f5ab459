from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "openbuy.pages"
    label = "pages"
    verbose_name = "Pages"
