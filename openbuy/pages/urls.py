from django.urls import path

from openbuy.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("open-data/", views.open_data, name="open-data"),
]
