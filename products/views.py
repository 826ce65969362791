from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import organization_required

from . import services
from .forms import SalesContactForm


@organization_required("sales.contact")
@require_http_methods(["GET", "POST"])
def contact_sales(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    form = SalesContactForm(
        request.POST if request.method == "POST" else None,
        initial={"company_name": organization.name, "work_email": request.user.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sales_contact_create(
                organization=organization, sent_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "Thank you: our business team will reach out to you. "
                "Next, create a production app.",
            )
            return redirect("kyb:go_live")
    last = organization.sales_contacts.first()
    return render(
        request,
        "products/contact_sales.html",
        {"form": form, "last_contact": last, "nav_section": "products"},
        status=400 if form.errors else 200,
    )
