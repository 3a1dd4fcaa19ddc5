"""Which formats /fhir answers in: FHIR JSON only. Pure.

`_format` wins over Accept (FHIR R4 3.1.0.1.10). Anything that asks only for what is not
served (XML, Turtle, HTML only) is refused with 406; an Accept that also takes JSON or
anything (`*/*`) is answered in JSON."""

JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json", "fhir+json"})
_JSON_RANGES = frozenset(
    {
        "*/*",
        "application/*",
        "application/json",
        "application/fhir+json",
        "application/fhir+ndjson",  # Bulk Data files
        "application/ndjson",
    }
)


def _media(value: str) -> str:
    return value.split(";")[0].strip().lower()


def format_refused(fmt: str, accept: str) -> str:
    """Why the request cannot be answered in a served format, or "" when it can."""
    if fmt:
        if _media(fmt) in JSON_FORMATS:
            return ""
        return f"_format '{fmt}' is not served: OneStory answers in FHIR JSON only."
    if not accept.strip():
        return ""
    ranges = []
    for part in accept.split(","):
        media = _media(part)
        quality = 1.0
        for param in part.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 1.0
        if media and quality > 0:
            ranges.append(media)
    if not ranges or any(r in _JSON_RANGES or r.endswith("+json") for r in ranges):
        return ""
    return (
        f"Accept '{accept}' asks only for formats not served: OneStory answers in "
        "application/fhir+json only."
    )
