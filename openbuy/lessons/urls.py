from django.urls import path

from openbuy.lessons import views
from openbuy.lessons.feeds import LessonsFeed

app_name = "lessons"

urlpatterns = [
    path("lessons/", views.library, name="library"),
    path("lessons/new/", views.create, name="create"),
    path("lessons/feed/", LessonsFeed(), name="feed"),
    path("lessons/<id:pk>/", views.detail, name="detail"),
    path("lessons/<id:pk>/edit/", views.edit, name="edit"),
    path("lessons/<id:pk>/publish/", views.publish, name="publish"),
    path("lessons/<id:pk>/redact/", views.redact, name="redact"),
    path("organisations/<slug:slug>/lessons/feed/", LessonsFeed(), name="organisation-feed"),
]
