from django.urls import path

from . import views

app_name = "apps"

urlpatterns = [
    path("", views.app_list, name="list"),
    path("new/", views.app_create, name="create"),
    path("<str:client_id>/", views.app_detail, name="detail"),
    path("<str:client_id>/settings/", views.app_settings, name="settings"),
    path("<str:client_id>/settings/api-client/", views.api_client, name="api_client"),
    path(
        "<str:client_id>/settings/api-client/secrets/new/",
        views.client_secret_create,
        name="client_secret_create",
    ),
    path(
        "<str:client_id>/settings/api-client/secrets/<id:secret_id>/revoke/",
        views.client_secret_revoke,
        name="client_secret_revoke",
    ),
    path(
        "<str:client_id>/settings/api-client/secrets/<id:secret_id>/roll/",
        views.client_secret_roll,
        name="client_secret_roll",
    ),
    path(
        "<str:client_id>/settings/api-client/redirect-uris/",
        views.redirect_uri_add,
        name="redirect_uri_add",
    ),
    path(
        "<str:client_id>/settings/api-client/redirect-uris/<id:uri_id>/remove/",
        views.redirect_uri_remove,
        name="redirect_uri_remove",
    ),
    path("<str:client_id>/settings/activity/", views.app_activity, name="activity"),
]
