"""The one rule for names people type: organization names, app names, display names, secret
names. Each layer above accounts uses it, so every name reads the same everywhere it shows."""

import unicodedata

from django.core.exceptions import ValidationError

NAME_MAX_LENGTH = 100
NAME_CHARACTERS = "Use letters, digits, spaces and punctuation only."


def name_clean(value: str, *, field: str, label: str, max_length: int = NAME_MAX_LENGTH) -> str:
    """The name trimmed, or a ValidationError for `field`: blank, too long, or holding a
    character of Unicode's "other" categories (controls, format characters such as the
    right-to-left override and zero-width spaces, unassigned code points), which can make a
    name read as something it isn't."""
    name = value.strip()
    if not name:
        raise ValidationError({field: f"Enter {label}."})
    if len(name) > max_length:
        raise ValidationError(
            {field: f"{label[0].upper()}{label[1:]} can be at most {max_length} characters."}
        )
    if any(unicodedata.category(char)[0] == "C" for char in name):
        raise ValidationError({field: NAME_CHARACTERS})
    return name
