from django.http import Http404


def process_list(request, **kw):
    raise Http404


def mine(request, **kw):
    raise Http404


def receipt(request, **kw):
    raise Http404


def invitations(request, **kw):
    raise Http404


def invitation_respond(request, **kw):
    raise Http404


def create(request, **kw):
    raise Http404


def detail(request, **kw):
    raise Http404


def edit(request, **kw):
    raise Http404


def phase(request, **kw):
    raise Http404


def criteria(request, **kw):
    raise Http404


def lots(request, **kw):
    raise Http404


def publish(request, **kw):
    raise Http404


def questions(request, **kw):
    raise Http404


def answer(request, **kw):
    raise Http404


def withdraw_question(request, **kw):
    raise Http404


def extend(request, **kw):
    raise Http404


def open_phase(request, **kw):
    raise Http404


def decide(request, **kw):
    raise Http404


def submission(request, **kw):
    raise Http404


def submissions(request, **kw):
    raise Http404


def submission_detail(request, **kw):
    raise Http404


def submission_file(request, **kw):
    raise Http404


def invite(request, **kw):
    raise Http404


def next_phase(request, **kw):
    raise Http404
