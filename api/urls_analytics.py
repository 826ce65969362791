from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.analytics_overview, name="overview"),
    path("<str:client_id>/", views.analytics_app, name="app"),
    path("<str:client_id>/export.csv", views.analytics_csv, name="csv"),
]
