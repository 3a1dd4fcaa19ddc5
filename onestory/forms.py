"""Form fields shared by every page. One way to enter a date: the NHS.UK frontend date
input, three boxes (day, month, year) under one legend with the hint "For example, 27 3
2007", and error messages that name the field ("Date of birth must include a month").

Pages built on Django forms use `NHSDateField` (with its `NHSDateInput` widget); views that
read `request.POST` themselves call `read_date`. Both render the one partial,
`onestory/templates/_date_input.html`, and both read the same three fields,
`<name>-day`, `<name>-month`, `<name>-year`. ISO dates stay in the API and JSON."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

HINT = "For example, 27 3 2007"
PARTS = ("day", "month", "year")


def _subject(label: str) -> str:
    """The label as the subject of a sentence: "Date of birth", "The meeting date"."""
    return label[:1].upper() + label[1:]


def parse_date_parts(
    day: str,
    month: str,
    year: str,
    *,
    label: str,
    required: bool = False,
    past: bool = False,
    future: bool = False,
) -> date | None:
    """The date the three boxes hold, or None when all three are empty and the date is
    optional. Raises ValidationError with the NHS.UK wording, naming the field."""
    values = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = [p for p in PARTS if not values[p]]
    if len(missing) == 3:
        if required:
            raise ValidationError(f"Enter {label[:1].lower() + label[1:]}", code="required")
        return None
    if missing:
        raise ValidationError(
            f"{_subject(label)} must include a {' and '.join(missing)}", code="incomplete"
        )
    if not all(v.isdigit() for v in values.values()):
        raise ValidationError(f"{_subject(label)} must be a real date", code="invalid")
    if len(values["year"]) != 4:
        raise ValidationError(f"Year must include 4 numbers ({label.lower()})", code="year")
    try:
        value = date(int(values["year"]), int(values["month"]), int(values["day"]))
    except (ValueError, OverflowError):
        raise ValidationError(f"{_subject(label)} must be a real date", code="invalid") from None
    today = timezone.localdate()
    if past and value > today:
        raise ValidationError(f"{_subject(label)} must be in the past", code="past")
    if future and value < today:
        raise ValidationError(f"{_subject(label)} must be today or in the future", code="future")
    return value


def date_parts(data, name: str) -> dict[str, str]:
    """The three boxes as submitted ({"day": "27", ...}), to show them again."""
    return {p: str(data.get(f"{name}-{p}", "") or "").strip() for p in PARTS}


def read_date(
    data,
    name: str,
    *,
    label: str,
    required: bool = False,
    past: bool = False,
    future: bool = False,
) -> date | None:
    """The date in `<name>-day`, `<name>-month`, `<name>-year` of a QueryDict (GET or
    POST), for views that read the request themselves."""
    parts = date_parts(data, name)
    return parse_date_parts(
        parts["day"],
        parts["month"],
        parts["year"],
        label=label,
        required=required,
        past=past,
        future=future,
    )


def has_date(data, name: str) -> bool:
    """Whether any of the three boxes was filled in."""
    return any(date_parts(data, name).values())


def read_date_range(data, start: str = "from", end: str = "to"):
    """A from / to pair of date inputs (`from-day` …, `to-day` …): (from, to, errors), an
    error per bound that could not be read (that bound is then left out), and "To must be
    the same as or after From" when they cross."""
    found: dict[str, date | None] = {start: None, end: None}
    errors: dict[str, str] = {}
    for name in (start, end):
        try:
            found[name] = read_date(data, name, label=name.capitalize())
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    first, last = found[start], found[end]
    if first is not None and last is not None and first > last:
        errors[end] = f"{end.capitalize()} must be the same as or after {start.capitalize()}"
        found[end] = None
    return found[start], found[end], errors


class NHSDateInput(forms.MultiWidget):
    """Three text boxes, day, month and year, named `<name>-day` … as the NHS.UK frontend
    names them, rendered by the shared partial."""

    def __init__(self, attrs=None, *, label: str = "", hint: str = HINT):
        numeric = {"inputmode": "numeric"}
        super().__init__(
            {p: forms.TextInput(attrs=numeric) for p in PARTS},
            attrs,
        )
        self.widgets_names = [f"-{p}" for p in PARTS]
        self.label = label
        self.hint = hint

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(value, list | tuple):
            parts = dict(zip(PARTS, (str(v or "") for v in value), strict=False))
        else:
            parts = dict(zip(PARTS, self.decompress(value), strict=True))
        error = (attrs or {}).get("data-error", "")
        return render_to_string(
            "_date_input.html",
            {"name": name, "label": self.label, "hint": self.hint, "parts": parts, "error": error},
        )


class NHSDateField(forms.MultiValueField):
    """A date entered as day, month and year. `past=True` refuses future dates (a date of
    birth), `future=True` refuses past ones (a review date)."""

    widget = NHSDateInput

    def __init__(self, *, label: str, past: bool = False, future: bool = False, **kwargs):
        self.past = past
        self.future = future
        kwargs.setdefault("required", False)
        super().__init__(
            fields=(forms.CharField(), forms.CharField(), forms.CharField()),
            require_all_fields=False,
            label=label,
            widget=NHSDateInput(label=label),
            **kwargs,
        )
        for field in self.fields:
            field.required = False

    def clean(self, value):
        parts = list(value or ["", "", ""]) + ["", "", ""]
        return parse_date_parts(
            str(parts[0] or ""),
            str(parts[1] or ""),
            str(parts[2] or ""),
            label=str(self.label),
            required=self.required,
            past=self.past,
            future=self.future,
        )

    def compress(self, data_list):  # pragma: no cover - clean() does the work
        return None
