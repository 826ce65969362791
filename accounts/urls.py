from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/verification/resend/",
        views.resend_verification,
        name="account_resend_verification",
    ),
]
