from django.urls import path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("<str:client_id>/users/", views.users, name="users"),
    path("<str:client_id>/users/<str:user_id>/delete/", views.user_delete, name="user_delete"),
]
