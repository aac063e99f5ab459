from django.urls import path

from openbuy.specifications import views

app_name = "specifications"
urlpatterns = [
    path("specifications/", views.spec_list, name="list"),
    path("specifications/new/", views.spec_create, name="create"),
    path("specifications/<id:pk>/", views.spec_detail, name="detail"),
    path("specifications/<id:pk>/details/", views.spec_edit, name="edit"),
    path("specifications/<id:pk>/sections/new/", views.section_add, name="section-add"),
    path(
        "specifications/<id:pk>/sections/<slug:key>/edit/", views.section_edit, name="section-edit"
    ),
    path(
        "specifications/<id:pk>/sections/<slug:key>/change/",
        views.section_change,
        name="section-change",
    ),
    path(
        "specifications/<id:pk>/sections/<slug:key>/suggest/",
        views.suggestion_create,
        name="suggest",
    ),
    path("specifications/<id:pk>/suggestions/", views.suggestion_list, name="suggestions"),
    path(
        "specifications/<id:pk>/suggestions/<id:suggestion_id>/",
        views.suggestion_detail,
        name="suggestion",
    ),
    path(
        "specifications/<id:pk>/suggestions/<id:suggestion_id>/decide/",
        views.suggestion_decide,
        name="suggestion-decide",
    ),
    path("specifications/<id:pk>/annotate/", views.annotation_create, name="annotate"),
    path(
        "specifications/<id:pk>/annotations/<id:annotation_id>/",
        views.annotation_detail,
        name="annotation",
    ),
    path(
        "specifications/<id:pk>/annotations/<id:annotation_id>/withdraw/",
        views.annotation_withdraw,
        name="annotation-withdraw",
    ),
    path("specifications/<id:pk>/history/", views.history, name="history"),
    path("specifications/<id:pk>/versions/<id:number>/", views.version_detail, name="version"),
    path("specifications/<id:pk>/versions/<id:number>/revert/", views.revert, name="revert"),
    path("specifications/<id:pk>/compare/", views.compare, name="compare"),
    path("specifications/<id:pk>/provenance/", views.provenance, name="provenance"),
    path("specifications/<id:pk>/freeze/", views.freeze, name="freeze"),
    path("specifications/<id:pk>/reopen/", views.reopen, name="reopen"),
]
