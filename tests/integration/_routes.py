"""Every URL pattern of the project with the HTTP methods its view accepts, read from the
views themselves (the require_POST / require_GET / require_http_methods decorators, a
class-based view's handlers, django-ninja's operations). Used by the tests that make sure
every form has a journey test and every number in an address is checked."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic import RedirectView


@dataclass(frozen=True)
class Route:
    pattern: str  # e.g. "people/<uuid:person_id>/plan/restore/"
    name: str  # "plan-restore", or "api:person_record" with its namespace
    methods: frozenset[str] | None  # upper case; None when the view does not say


def _methods(callback) -> frozenset[str] | None:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and issubclass(view_class, RedirectView):
        return frozenset({"GET"})  # answers every method with a redirect: not a form
    if view_class is not None:
        return frozenset(
            m.upper()
            for m in view_class.http_method_names
            if hasattr(view_class, m) and m not in {"options", "head"}
        )
    function = callback
    while function is not None:
        code = getattr(function, "__code__", None)
        for index, free in enumerate(code.co_freevars if code else ()):
            cell = function.__closure__[index].cell_contents
            if free == "request_method_list":  # django.views.decorators.http
                return frozenset(m.upper() for m in cell)
            if type(cell).__name__ == "PathView":  # django-ninja
                return frozenset(m.upper() for op in cell.operations for m in op.methods)
        function = getattr(function, "__wrapped__", None)
    return None


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}{p.name}" if p.name else f"{namespace}<{prefix}{p.pattern}>"
            yield Route(prefix + str(p.pattern), name, _methods(p.callback))


def routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))
