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


# --- what `make demo` installs ----------------------------------------------------------------


def _make_target(name: str) -> tuple[list[str], list[str]]:
    """A Makefile target's prerequisites and recipe lines."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{name}:"):
            prereqs = line.split(":", 1)[1].split("##")[0].split()
            recipe = []
            for body in lines[i + 1 :]:
                if not body.startswith("\t"):
                    break
                recipe.append(body.strip())
            return prereqs, recipe
    raise AssertionError(f"no target {name} in the Makefile")


def _make_variables() -> dict[str, str]:
    found = {}
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Z_0-9]+) :?= (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def _expand(text: str, variables: dict[str, str]) -> str:
    for _ in range(5):
        text = re.sub(r"\$\(([A-Z_0-9]+)\)", lambda m: variables.get(m.group(1), ""), text)
    return text


def test_make_demo_installs_and_runs_without_the_test_tools():
    variables = _make_variables()
    seen, todo, uv_lines = set(), ["demo"], []
    while todo:
        target = todo.pop()
        if target in seen:
            continue
        seen.add(target)
        prereqs, recipe = _make_target(target)
        todo.extend(prereqs)
        uv_lines += [_expand(r, variables) for r in recipe if "uv" in _expand(r, variables)]
    assert "install" not in seen, "the demo does not need the test toolchain"
    syncs = [line for line in uv_lines if " sync " in line]
    runs = [line for line in uv_lines if " run " in line]
    assert syncs and all("--no-dev" in line for line in syncs)
    assert runs and all("--no-dev" in line for line in runs)


def _runtime_distributions() -> set[str]:
    """Every distribution `uv sync --no-dev` installs: the project's dependencies in uv.lock
    and theirs (extras followed), without the dev group."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    packages = {p["name"]: p for p in lock["package"]}
    found: set[str] = set()
    todo = [(d["name"], tuple(d.get("extra", ()))) for d in packages["onestory"]["dependencies"]]
    while todo:
        name, extras = todo.pop()
        package = packages[name]
        deps = list(package.get("dependencies", []))
        for extra in extras:
            deps += package.get("optional-dependencies", {}).get(extra, [])
        if name in found and not extras:
            continue
        found.add(name)
        todo += [(d["name"], tuple(d.get("extra", ()))) for d in deps]
    return found


def _third_party_imports() -> dict[str, str]:
    """Top-level modules imported anywhere in onestory/ (at the top or inside a function),
    other than the standard library and onestory itself, with one file that imports each."""
    import ast
    import sys

    found: dict[str, str] = {}
    for path in sorted((ROOT / "onestory").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "onestory":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


# The Spark engine is optional (`onestory link --engine spark`): it says pyspark is missing
# rather than importing it unguarded (see people/engines/spark_linker.py).
OPTIONAL_IMPORTS = {"pyspark"}


def test_everything_the_app_imports_is_installed_without_the_dev_group():
    from importlib.metadata import packages_distributions

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    runtime = {norm(name) for name in _runtime_distributions()}
    dists = packages_distributions()
    missing = {}
    for module, where in _third_party_imports().items():
        if module in OPTIONAL_IMPORTS:
            continue
        names = {norm(d) for d in dists.get(module, [module])}
        if not names & runtime:
            missing[module] = where
    assert not missing, f"imported by the app but only installed with the dev tools: {missing}"
