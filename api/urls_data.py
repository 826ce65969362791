"""The Tink Data API, under /data/v2/ (console/urls.py): a user's accounts and transactions,
with a user access token."""

from django.urls import path

from . import data

app_name = "data"

urlpatterns = [
    path("accounts", data.accounts, name="accounts"),
    path("transactions", data.transactions, name="transactions"),
]
