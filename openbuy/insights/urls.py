from django.urls import path

from openbuy.insights import views

app_name = "insights"

urlpatterns = [
    path("insights/", views.overview, name="overview"),
    path("insights/red-flags/", views.red_flags, name="red-flags"),
    path("insights/buyers/<slug:slug>/", views.buyer, name="buyer"),
]
