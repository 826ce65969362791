from django.urls import path

from . import views

app_name = "products"

urlpatterns = [
    path("contact-sales/", views.contact_sales, name="contact_sales"),
]
