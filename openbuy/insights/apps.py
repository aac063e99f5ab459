from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "openbuy.insights"
    label = "insights"
    verbose_name = "Insights: dashboards and red flags"
