from django.urls import path

from openbuy.needs import views
from openbuy.needs.feeds import NeedsFeed

app_name = "needs"
urlpatterns = [
    path("needs/", views.need_list, name="list"),
    path("needs/new/", views.need_create, name="create"),
    path("needs/feed/", NeedsFeed(), name="feed"),
    path("needs/feed/<str:kind>/<slug:slug>/", NeedsFeed(), name="feed-filtered"),
    path("needs/similar/", views.need_similar, name="similar"),
    path("needs/awaiting-answer/", views.need_awaiting, name="awaiting"),
    path("needs/<id:pk>/", views.need_detail, name="detail"),
    path("needs/<id:pk>/support/", views.need_support, name="support"),
    path("needs/<id:pk>/answer/", views.need_answer, name="answer"),
    path("needs/<id:pk>/files/", views.attachment_upload, name="attachment-upload"),
    path(
        "needs/<id:pk>/files/<id:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("needs/policy/<slug:slug>/", views.policy_edit, name="policy"),
    path("search/", views.search_page, name="search"),
    path("rankings/", views.round_list, name="rounds"),
    path("rankings/new/<slug:slug>/", views.round_create, name="round-create"),
    path("rankings/<id:pk>/", views.round_detail, name="round"),
    path("rankings/<id:pk>/compare/", views.round_compare, name="round-compare"),
    path("rankings/<id:pk>/close/", views.round_close, name="round-close"),
    path("ideas/", views.idea_list, name="idea-list"),
    path("ideas/new/", views.idea_create, name="idea-create"),
    path("ideas/<id:pk>/", views.idea_detail, name="idea-detail"),
    path("ideas/<id:pk>/support/", views.idea_support, name="idea-support"),
    path("ideas/<id:pk>/adopt/", views.idea_adopt, name="idea-adopt"),
    path("ideas/<id:pk>/withdraw/", views.idea_withdraw, name="idea-withdraw"),
]
