from django.urls import path

from . import pages

app_name = "analytics"

urlpatterns = [
    path("", pages.analytics_overview, name="overview"),
    path("<str:client_id>/", pages.analytics_app, name="app"),
    path("<str:client_id>/export.csv", pages.analytics_csv, name="csv"),
]
