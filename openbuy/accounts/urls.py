from django.urls import path

from openbuy.accounts import views

app_name = "accounts"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<slug:slug>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<slug:slug>/members/", views.member_add, name="member-add"),
    path(
        "organisations/<slug:slug>/members/<id:membership_id>/",
        views.member_change,
        name="member-change",
    ),
    path("account/", views.profile, name="profile"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<id:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
