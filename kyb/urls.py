from django.urls import path

from . import views

app_name = "kyb"

urlpatterns = [
    path("products/", views.product_list, name="products"),
    path(
        "products/<slug:slug>/request-access/",
        views.production_access_request,
        name="production_access_request",
    ),
    path("go-live/", views.go_live, name="go_live"),
    path("kyb/", views.kyb, name="kyb"),
    path("kyb/company/", views.kyb_company, name="company"),
    path("kyb/owners/", views.owner_add, name="owner_add"),
    path("kyb/owners/<id:owner_id>/remove/", views.owner_remove, name="owner_remove"),
    path("kyb/directors/", views.director_add, name="director_add"),
    path("kyb/directors/<id:director_id>/remove/", views.director_remove, name="director_remove"),
    path("kyb/documents/", views.document_upload, name="document_upload"),
    path("kyb/documents/<uuid:document_id>/remove/", views.document_remove, name="document_remove"),
    path(
        "kyb/documents/<uuid:document_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path("kyb/submit/", views.kyb_submit, name="submit"),
]
