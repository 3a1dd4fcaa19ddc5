"""How a fresh clone gets running: the Python interpreter uv uses, what `make demo` installs,
and what the README says to run first. Reads the project's own files; no database."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_python_version_file_pins_a_version_the_project_allows():
    pinned = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"3\.\d+", pinned), "a plain minor version, which pyenv understands too"
    floor = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, pinned.split("."))) >= tuple(map(int, floor.split(".")))


def test_uv_never_downloads_an_interpreter():
    uv = PYPROJECT["tool"]["uv"]
    assert uv["python-downloads"] == "never"
    assert uv["python-preference"] == "only-system"


def test_readme_command_line_says_to_install_uv_and_set_the_environment_first():
    section = _readme_section("Command line")
    commands = [line for line in section.splitlines() if line.startswith(("uv ", "python3 "))]
    assert commands[0] == "python3 -m pip install uv" or commands[0].startswith(
        "python3 -m pip install uv "
    )
    assert "export ONESTORY_ENV=demo" in section
    runs = [c for c in commands if c.startswith("uv run")]
    assert runs and all(c.startswith("uv run --no-dev onestory ") for c in runs)
