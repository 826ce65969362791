from django.http import HttpRequest


def console(request: HttpRequest) -> dict:
    """What the console layout's top bar needs on every page."""
    organization = getattr(request, "organization", None)
    return {"organization": organization}
