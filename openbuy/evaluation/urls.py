from django.urls import path

from openbuy.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("processes/<id:pk>/evaluation/", views.panel, name="panel"),
    path("processes/<id:pk>/evaluation/evaluators/", views.evaluators, name="evaluators"),
    path(
        "processes/<id:pk>/evaluation/criteria/<int:number>/unblind/",
        views.unblind,
        name="unblind",
    ),
    path("processes/<id:pk>/evaluation/results/", views.results, name="results"),
    path(
        "processes/<id:pk>/evaluation/results/<slug:ref>/<int:number>/",
        views.moderate,
        name="moderate",
    ),
    path("processes/<id:pk>/evaluation/award/", views.award, name="award"),
    path("processes/<id:pk>/evaluation/prizes/", views.prizes, name="prizes"),
    path("processes/<id:pk>/evaluation/gate/", views.gate, name="gate"),
    path("processes/<id:pk>/gates/<int:number>/", views.gate_outcome, name="gate_outcome"),
    path("processes/<id:pk>/award/", views.award_notice, name="award_notice"),
    path("processes/<id:pk>/debriefs/<slug:ref>/", views.debrief, name="debrief"),
    path("processes/<id:pk>/rate/", views.rate, name="rate"),
    path("processes/<id:pk>/evaluation/<slug:ref>/", views.evaluate, name="evaluate"),
    path(
        "processes/<id:pk>/evaluation/<slug:ref>/files/<slug:file_ref>/",
        views.attachment,
        name="attachment",
    ),
]
