"""Whole numbers from web requests, checked once.

A number typed into an address or a form can be anything: "abc", "-1", or twenty digits
that no database column can hold (SQLite refuses integers above 2**63 − 1 with an
OverflowError). `int_param` reads a query or form value and raises `BadParameter` with a
plain message when it is not a whole number in range; `BadRequestMiddleware` turns that into
a 400 page showing the message, answers 404 for `<int:…>` path values too large to be any
row's id, and 400 for a number that still reaches a query too large or not a number at
all — so a bad number is never a 500.
"""

from django.http import Http404
from django.shortcuts import render

# The largest id a 64-bit database column holds (SQLite, PostgreSQL bigint).
MAX_ID = 2**63 - 1


class BadParameter(Exception):
    """A request value that is not what the page needs; the message is shown to the user."""


def parse_int(value, name: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """`value` as a whole number from `minimum` to `maximum`, or BadParameter."""
    text = str(value).strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 20:
        raise BadParameter(f"“{name}” must be a whole number.")
    number = int(text)
    if not minimum <= number <= maximum:
        raise BadParameter(f"“{name}” must be a whole number from {minimum} to {maximum}.")
    return number


def int_or(value, default: int, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """`value` as a whole number in range, or `default` when it is anything else: for a
    page number or a choice whose absence the page explains itself."""
    try:
        return parse_int(value, "value", minimum=minimum, maximum=maximum)
    except BadParameter:
        return default


def int_param(
    request,
    name: str,
    default: int | None = None,
    *,
    minimum: int = 0,
    maximum: int = MAX_ID,
    source: str = "GET",
) -> int | None:
    """The whole-number parameter `name` from the query string (or `source="POST"`): the
    default when it is missing or blank, BadParameter when it is not a number in range."""
    value = getattr(request, source).get(name, "")
    if value is None or str(value).strip() == "":
        return default
    return parse_int(value, name, minimum=minimum, maximum=maximum)


def int_list_param(
    request, name: str, *, minimum: int = 0, maximum: int = MAX_ID, source: str = "POST"
) -> list[int]:
    """Every value of a repeated whole-number field (checkbox lists); blanks are skipped."""
    values = getattr(request, source).getlist(name)
    return [parse_int(v, name, minimum=minimum, maximum=maximum) for v in values if v.strip()]


class BadRequestMiddleware:
    """400 with the message for BadParameter; 404 for path ids no row can have."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_ID:
                raise Http404("No row has an id that large.")
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, BadParameter):
            return _bad(request, str(exception))
        if isinstance(exception, OverflowError):
            # A number too large for the database reached a query: the request is at fault.
            return _bad(request, "A number in the request is too large.")
        if isinstance(exception, ValueError) and "expected a number but got" in str(exception):
            # Text where an id belongs reached a query (Django's IntegerField message); views
            # should check with parse_int first, this keeps any they miss from being a 500.
            return _bad(request, "A number in the request is not a whole number.")
        return None


def _bad(request, message: str):
    return render(request, "400.html", {"message": message}, status=400)
