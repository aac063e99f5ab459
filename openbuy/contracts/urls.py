from django.urls import path

from openbuy.contracts import views

app_name = "contracts"

urlpatterns = [
    path("contracts/sign/<id:award_pk>/", views.sign, name="sign"),
    path("contracts/<id:pk>/", views.detail, name="detail"),
    path("contracts/<id:pk>/milestones/new/", views.milestone_add, name="milestone_add"),
    path(
        "contracts/<id:pk>/milestones/<id:milestone_pk>/<str:verdict>/",
        views.milestone_decide,
        name="milestone_decide",
    ),
    path("contracts/<id:pk>/outcomes/new/", views.outcome_add, name="outcome_add"),
    path(
        "contracts/<id:pk>/outcomes/<id:outcome_pk>/", views.outcome_record, name="outcome_record"
    ),
    path("contracts/<id:pk>/amend/", views.amend, name="amend"),
    path("contracts/<id:pk>/terminate/", views.terminate, name="terminate"),
    path("contracts/<id:pk>/complete/", views.complete, name="complete"),
]
