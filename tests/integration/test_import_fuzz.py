"""Fuzzing the importers down to the database: `import_path` with one damaged extract of
every kind beside a good one, and POST /fhir with damaged bodies. Never an exception, the
good file always goes in, every quarantined row names its row and field, and /fhir always
answers in FHIR. Pure adapter fuzzing is in tests/unit/test_import_fuzz.py."""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestory.audit.domain.actor import Actor
from onestory.interop.actions import create_token
from onestory.sources.actions import import_path
from onestory.sources.models import QuarantinedRow
from tests import factories as f
from tests.unit.test_adapters import ASC, TODAY, write_csv
from tests.unit.test_adapters_fhir import bundle
from tests.unit.test_import_fuzz import GOOD_ROWS, LIMITS, csv_text, garbage_lines, junk_entries

pytestmark = pytest.mark.django_db

BY = Actor.system("fuzz")
DB_FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=20,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
KINDS = sorted(set(GOOD_ROWS) - {"adult_social_care_cld.csv"}) + [
    "gp_B86001.json",
    "voluntary_sector.xlsx",
]


def damaged_bytes(name: str, garbage: list[bytes], raw: bytes) -> bytes:
    if name in GOOD_ROWS:
        return csv_text(GOOD_ROWS[name]).encode("cp1252") + b"\n".join(garbage)
    if name.endswith(".json"):
        data = bundle()
        return json.dumps(data).encode()[: max(1, len(raw) * 40)] + raw
    return b"PK\x03\x04" + raw


@DB_FUZZ
@given(name=st.sampled_from(KINDS), garbage=garbage_lines, raw=st.binary(max_size=200))
def test_import_path_with_a_damaged_extract_still_imports_the_good_one(name, garbage, raw):
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        (folder / name).write_bytes(damaged_bytes(name, garbage, raw))
        write_csv(folder, "adult_social_care_cld.csv", [ASC])
        result = import_path(folder, by=BY, today=TODAY, limits=LIMITS)
    by_file = {r.file: r for r in result.files}
    good = by_file["adult_social_care_cld.csv"]
    assert not good.error and good.read == 1 and good.quarantined == 0
    damaged = by_file[name]
    if damaged.error:
        assert damaged.error.startswith(f"{name}: ")
    else:
        assert damaged.read == damaged.imported + damaged.unchanged + damaged.quarantined
    for row in QuarantinedRow.objects.filter(file_name=name):
        assert row.row_number >= 1 and row.field and row.reason


bodies = st.one_of(
    st.binary(max_size=1500),
    st.integers(min_value=1, max_value=20_000).map(lambda n: b"[" * n + b"]" * n),
    st.tuples(junk_entries, st.sampled_from(["transaction", "batch", "collection", "x"])).map(
        lambda t: json.dumps(bundle() | {"type": t[1], "entry": bundle()["entry"] + t[0]}).encode()
    ),
    st.integers(min_value=2000, max_value=4000).map(lambda n: b" " * n),  # over the limit
)


@DB_FUZZ
@given(body=bodies)
def test_fhir_post_always_answers_in_fhir(client, settings, body):
    settings.ONESTORY_FHIR_MAX_BODY_BYTES = 1_000_000 if body.strip() else 1500
    response = client.post(
        "/fhir",
        body,
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {_token()}",
    )
    assert response.status_code in (200, 400, 413, 422), response.content[:300]
    assert response["Content-Type"].startswith("application/fhir+json")
    answer = response.json()
    assert answer["resourceType"] in ("OperationOutcome", "Bundle")
    if answer["resourceType"] == "OperationOutcome":
        assert all(i["code"] and i["diagnostics"] for i in answer["issue"])


_tokens: dict[str, str] = {}


def _token() -> str:
    """One administrator's token per test database (examples share the test transaction)."""
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="fuzz.admin").exists():
        f.user("fuzz.admin", role="administrator")
        _tokens["admin"] = create_token(by=BY, username="fuzz.admin")[1]
    return _tokens["admin"]
