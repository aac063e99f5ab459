from django.urls import path

from openbuy.discussion import views

app_name = "discussion"
urlpatterns = [
    path("comments/<str:label>/<id:object_id>/", views.comment_post, name="post"),
    path("comments/<id:pk>/edit/", views.comment_edit, name="edit"),
    path("comments/<id:pk>/history/", views.comment_history, name="history"),
    path("report/<str:label>/<id:object_id>/", views.report, name="report"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("follow/<str:label>/<id:object_id>/", views.follow_toggle, name="follow"),
    path("notifications/", views.notification_list, name="notifications"),
    path("moderation/<str:label>/<id:object_id>/", views.moderation_decide, name="decide"),
]
