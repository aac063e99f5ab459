from django.urls import path

from openbuy.processes import views
from openbuy.processes.feeds import ProcessesFeed

app_name = "processes"

urlpatterns = [
    path("processes/", views.process_list, name="list"),
    path("processes/feed/", ProcessesFeed(), name="feed"),
    path("processes/mine/", views.mine, name="mine"),
    path("processes/receipts/", views.receipt, name="receipt"),
    path("processes/invitations/", views.invitations, name="invitations"),
    path("processes/invitations/<id:pk>/", views.invitation_respond, name="invitation_respond"),
    path("processes/new/<id:spec_pk>/", views.create, name="create"),
    path("processes/<id:pk>/", views.detail, name="detail"),
    path("processes/<id:pk>/edit/", views.edit, name="edit"),
    path("processes/<id:pk>/phases/<int:number>/", views.phase, name="phase"),
    path("processes/<id:pk>/criteria/", views.criteria, name="criteria"),
    path("processes/<id:pk>/lots/", views.lots, name="lots"),
    path("processes/<id:pk>/publish/", views.publish, name="publish"),
    path("processes/<id:pk>/questions/", views.questions, name="questions"),
    path("processes/<id:pk>/questions/<id:question_pk>/answer/", views.answer, name="answer"),
    path(
        "processes/<id:pk>/questions/<id:question_pk>/withdraw/",
        views.withdraw_question,
        name="withdraw_question",
    ),
    path("processes/<id:pk>/extend/", views.extend, name="extend"),
    path("processes/<id:pk>/open/", views.open_phase, name="open"),
    path("processes/<id:pk>/decide/<str:decision>/", views.decide, name="decide"),
    path("processes/<id:pk>/submission/", views.submission, name="submission"),
    path("processes/<id:pk>/submissions/", views.submissions, name="submissions"),
    path(
        "processes/<id:pk>/submissions/<slug:ref>/",
        views.submission_detail,
        name="submission_detail",
    ),
    path(
        "processes/<id:pk>/submissions/<slug:ref>/files/<slug:file_ref>/",
        views.submission_file,
        name="submission_file",
    ),
    path("processes/<id:pk>/invite/", views.invite, name="invite"),
    path(
        "processes/<id:pk>/invitations/<id:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("processes/<id:pk>/next-phase/", views.next_phase, name="next_phase"),
]
