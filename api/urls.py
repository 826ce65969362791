from django.urls import path

from . import pages, users, views

app_name = "api"

urlpatterns = [
    path("oauth/token", views.token, name="token"),
    path("oauth/introspect", views.introspect, name="introspect"),
    path("oauth/jwks", views.jwks, name="jwks"),
    path("oauth/authorization-grant", users.authorization_grant, name="authorization_grant"),
    path("user/create", users.user_create, name="user_create"),
    path("openapi.yaml", views.openapi_document, name="openapi"),
    path("reference", pages.reference, name="reference"),
    path("secret-scanning/github", views.secret_scanning_github, name="secret_scanning_github"),
]
