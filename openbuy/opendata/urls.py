from django.urls import path

from openbuy.opendata import views

app_name = "opendata"

urlpatterns = [
    path("open-data/", views.index, name="index"),
    path("open-data/releases.json", views.download_releases, name="download-releases"),
    path("open-data/records.json", views.download_records, name="download-records"),
    path("open-data/flat/<str:kind>/", views.download_flat, name="download-flat"),
    path("open-data/records/", views.record_list, name="records"),
    path("open-data/records/<path:ocid>/", views.record_detail, name="record"),
]
