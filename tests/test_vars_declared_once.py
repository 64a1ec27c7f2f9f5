"""Every project var is declared once, in dbt_project.yml, with its default and a comment.

SQL, yml and Python read vars without a default of their own (no Python parameter,
dataclass field or dict entry named after a var holds a value), every var has a rule in
macros/project_vars.sql (so it is checked before anything runs), and the README's
configuration table states the same defaults as dbt_project.yml.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
VAR_CALL = re.compile(r"""\bvar\(\s*['"](\w+)['"]\s*(,)?""")
#: dbt's own vars used by Jinja internals, not project configuration.
NOT_PROJECT_VARS = {"include", "lib", "exec_prefix", "projectbase", "srcdir"}


def _project_vars() -> dict:
    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]


def _sources() -> list[Path]:
    folders = ["dbt_project", "analyses", "seeds"]
    files = [path for folder in folders for path in (REPO / folder).rglob("*")]
    return [path for path in files if path.suffix in {".sql", ".yml", ".py", ".md"}]


def test_every_var_used_is_declared_and_read_without_a_second_default() -> None:
    declared = _project_vars()
    repeated, undeclared = [], []
    for path in _sources():
        for match in VAR_CALL.finditer(path.read_text()):
            name = match.group(1)
            if name in NOT_PROJECT_VARS:
                continue
            where = f"{path.relative_to(REPO)}: var('{name}')"
            if name not in declared:
                undeclared.append(where)
            if match.group(2):
                repeated.append(where + " repeats a default")
    assert not undeclared, f"vars used but not declared in dbt_project.yml: {undeclared}"
    assert not repeated, f"defaults belong in dbt_project.yml only: {repeated}"


def python_defaults(text: str, names: list[str]) -> list[str]:
    """Lines giving a value to a parameter, field or dict key named after a var:
    ``k_max: int = 8``, ``k_max=8`` in a signature, ``"k_max": 8``."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        for name in names:
            typed = rf"^\s*{name}\s*:\s*[^=\n]+=\s*\S"  # a field or parameter with a type
            literal = r"""(-?[\d.]|None\b|True\b|False\b|\(|\[|["'][^"']*["']\s*(,|}|$))"""
            keyed = rf"""["']{name}["']\s*:\s*{literal}"""  # a dict entry holding a literal
            if re.search(typed, code) or re.search(keyed, code):
                found.append(f"{number}: {line.strip()}")
    return found


def test_no_python_default_repeats_a_var() -> None:
    names = list(_project_vars())
    sources = [*(REPO / "bank_segments").rglob("*.py"), *(REPO / "python_models").rglob("*.py")]
    repeated = {
        str(path.relative_to(REPO)): hits
        for path in sources
        if (hits := python_defaults(path.read_text(), names))
    }
    assert not repeated, f"defaults belong in dbt_project.yml only: {repeated}"


def test_a_repeated_python_default_is_found() -> None:
    text = 'class P:\n    k_max: int = 8\n\nDEFAULTS = {"n_init": 10}\n'
    text += "def f(x, *, random_state: int | None = 42, fit_sample_size: int) -> None: ...\n"
    assert python_defaults(text, ["k_max", "n_init", "random_state", "fit_sample_size"]) == [
        "2: k_max: int = 8",
        '4: DEFAULTS = {"n_init": 10}',
    ]


def test_every_declared_var_has_a_comment_and_a_validation_rule() -> None:
    text = (REPO / "dbt_project.yml").read_text()
    block = text[text.index("\nvars:") :]
    rules = (REPO / "dbt_project" / "macros" / "project_vars.sql").read_text()
    lines = block.splitlines()
    for name in _project_vars():
        (index,) = [i for i, line in enumerate(lines) if re.match(rf"  {name}:", line)]
        # walk up over the other vars of the same group (and their continuation lines)
        above = index - 1
        while above > 0 and not lines[above].strip().startswith("#") and lines[above].strip():
            above -= 1
        assert lines[above].strip().startswith("#"), f"var {name} has no comment above it"
        assert re.search(rf"'{name}':\s*\{{", rules), f"var {name} has no rule in project_vars"


def test_readme_states_the_declared_defaults() -> None:
    readme = (REPO / "README.md").read_text()
    stated = {}
    for names, shown in re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \| ([^|]+) \|", readme, re.M):
        names = re.findall(r"`(\w+)`", names)
        values = shown.split(", ") if len(names) > 1 else [shown]
        if len(values) != len(names):  # one value shared by a group of vars
            values = [shown] * len(names)
        stated.update(zip(names, values, strict=True))
    declared = _project_vars()
    checked = 0
    for name, value in declared.items():
        if name not in stated:
            continue
        shown = stated[name].strip()
        if value is None:
            assert shown.startswith("null"), f"README: {name} default {shown!r}, declared null"
        elif isinstance(value, bool):
            assert shown == str(value).lower(), f"README: {name} {shown!r} != {value}"
        elif isinstance(value, int | float):
            assert float(shown.split()[0]) == value, f"README: {name} {shown!r} != {value}"
        checked += 1
    assert checked >= 10, f"only {checked} vars found in the README's configuration table"
