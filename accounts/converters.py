"""<id:…>, the path converter of a row's id in the Console's URLs (registered in apps.py)."""

from django.urls import register_converter

from .models import MAX_ID


class IdConverter:
    """A row's id: at most 19 digits, and at most MAX_ID.

    Django's <int:…> takes any number of digits, and SQLite raises OverflowError on a lookup
    beyond 64 bits where PostgreSQL finds nothing. Beyond MAX_ID the URL resolves to no
    pattern: 404, before any view or query runs.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)  # Django reads it as "this pattern does not match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
