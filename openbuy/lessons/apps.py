from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "openbuy.lessons"
    label = "lessons"
    verbose_name = "Lessons learned"
