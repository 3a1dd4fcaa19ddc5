"""The `migrate`, `serve` and `demo` subcommands: arguments, and when a borough counts as
already generated. No database."""

import json
from pathlib import Path

from onestory.cli import build_parser
from onestory.demo import DEMO_STAFF, ORGANISATION_KIND_FOR_SOURCE, borough_is_generated


def test_serve_defaults_to_loopback_port_8000():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert args.handler.__name__ == "_serve"


def test_serve_accepts_host_and_port():
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert (args.host, args.port) == ("0.0.0.0", 8123)


def test_demo_parses_people_seed_and_out():
    args = build_parser().parse_args(["demo", "--people", "300", "--seed", "7", "--out", "x/y"])
    assert (args.people, args.seed, args.out) == (300, 7, Path("x/y"))
    assert args.handler.__name__ == "_demo"


def test_migrate_is_registered():
    args = build_parser().parse_args(["migrate"])
    assert args.handler.__name__ == "_migrate"


def _write_borough(out: Path, *, seed: int, people: int, files: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in files:
        (out / name).write_text("x", encoding="utf-8")
    manifest = {"seed": seed, "people": people, "files": {n: 1 for n in files}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_borough_is_generated_when_manifest_matches_and_files_exist(tmp_path):
    _write_borough(tmp_path, seed=42, people=300, files=["housing.csv", "truth.csv"])
    assert borough_is_generated(tmp_path, people=300, seed=42)


def test_borough_is_generated_false_for_other_seed_or_size(tmp_path):
    _write_borough(tmp_path, seed=42, people=300, files=["housing.csv"])
    assert not borough_is_generated(tmp_path, people=300, seed=43)
    assert not borough_is_generated(tmp_path, people=301, seed=42)


def test_borough_is_generated_false_when_a_listed_file_is_missing(tmp_path):
    _write_borough(tmp_path, seed=42, people=300, files=["housing.csv"])
    (tmp_path / "housing.csv").unlink()
    assert not borough_is_generated(tmp_path, people=300, seed=42)


def test_borough_is_generated_false_for_empty_or_corrupt_directory(tmp_path):
    assert not borough_is_generated(tmp_path / "absent", people=1, seed=1)
    tmp_path.joinpath("manifest.json").write_text("{not json", encoding="utf-8")
    assert not borough_is_generated(tmp_path, people=1, seed=1)


def test_demo_staff_covers_every_role_once():
    from onestory.access.domain.roles import ROLES

    roles = [role for _, role, _, _ in DEMO_STAFF]
    assert sorted(roles) == sorted(ROLES)
    usernames = [u for u, _, _, _ in DEMO_STAFF]
    assert len(set(usernames)) == len(usernames)


def test_every_source_kind_maps_to_an_organisation_kind():
    from onestory.access.models import OrganisationKind
    from onestory.sources.domain.facts import SOURCE_KINDS

    assert set(ORGANISATION_KIND_FOR_SOURCE) == set(SOURCE_KINDS)
    assert set(ORGANISATION_KIND_FOR_SOURCE.values()) <= set(OrganisationKind.values)


def test_login_lines_fit_80_columns_one_login_a_line():
    from onestory.demo import DemoLogin, login_lines

    long_org = "Demo Borough Health and Care Partnership (commissioner)"
    logins = [
        DemoLogin(
            username, "onestory-demo", role, long_org if kind is None else "Ashbridge Council"
        )
        for username, role, kind, _ in DEMO_STAFF
    ]
    lines = login_lines(logins)
    assert max(map(len, lines)) <= 80
    assert "onestory-demo" in lines[0] and sum("onestory-demo" in line for line in lines) == 1
    for username, role, _, _ in DEMO_STAFF:
        assert any(
            line.split()[:1] == [username] and role.replace("_", " ") in line for line in lines
        )
