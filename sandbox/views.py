"""Console's Users page of an app: the people whose data the app gathers, and deleting one."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts import permissions
from accounts.decorators import post_only, role_of
from apps.decorators import app_required
from apps.models import App

from . import selectors, services
from .models import EndUser

PAGE_SIZE = 50


@app_required("app.view")
def users(request: HttpRequest, app: App) -> HttpResponse:
    page = Paginator(selectors.end_users(app=app), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sandbox/users.html",
        {
            "app": app,
            "tab": "users",
            "nav_section": "apps",
            "page": page,
            "can_delete": permissions.allows(role_of(request), "end_user.delete"),
        },
    )


def _users_page(request: HttpRequest, app: App, *args, **kwargs) -> str:
    return reverse("sandbox:users", kwargs={"client_id": app.client_id})


@app_required("end_user.delete")
@post_only(_users_page)
def user_delete(request: HttpRequest, app: App, user_id: str) -> HttpResponse:
    user = get_object_or_404(EndUser.objects.select_related("app"), app=app, user_id=user_id)
    services.end_user_delete(user=user, deleted_by=request.user)
    messages.success(
        request,
        f"User {user.external_user_id} and their data are deleted.",
        extra_tags="section:users",
    )
    return redirect(_users_page(request, app))
