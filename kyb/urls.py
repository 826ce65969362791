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
    path("kyb/owners/", views.kyb_owners, name="owners"),
    path("kyb/owners/<id:owner_id>/remove/", views.owner_remove, name="owner_remove"),
    path("kyb/directors/", views.kyb_directors, name="directors"),
    path("kyb/directors/<id:director_id>/remove/", views.director_remove, name="director_remove"),
    path("kyb/documents/", views.kyb_documents, name="documents"),
    path("kyb/documents/<uuid:document_id>/remove/", views.document_remove, name="document_remove"),
    path(
        "kyb/documents/<uuid:document_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path("kyb/review/", views.kyb_review, name="review"),
    path("kyb/submit/", views.kyb_submit, name="submit"),
]
