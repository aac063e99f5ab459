"""Nothing about processes is edited in the Django admin: every change goes through the
services, with its checks, timeline and audit event.

And one thing is taken *out* of the admin. The database task queue (django-tasks-db) stores each
queued email with its address and text — including a supplier's sealed-submission receipt and
the notices sent to everyone bidding. Listing those would tell a site admin who is bidding for
what before the deadline, so the queue is not shown; operators follow it with
``openbuy db_worker``'s log instead.
"""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

# django-tasks-db registers it first (it comes earlier in INSTALLED_APPS).
admin.site.unregister(DBTaskResult)
