"""The Console's date formats, for what Django formats itself: the admin's lists and detail
pages, and any {{ value }} or |date without a format. "2 Dec 2026, 14:27", as the Console's
own pages write it (always UTC: TIME_ZONE). The input formats stay Django's."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j F"  # the admin's date drill-down: "2 December", day first like the rest
