"""The documents point at nothing missing, and the settings table is the Settings class's."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest
from pydantic import Field

from carteira.core.config import Settings
from tests.support import REPO

DOCUMENTS = sorted([REPO / "README.md", REPO / "bench" / "README.md", *REPO.glob("docs/*.md")])
# Kept outside the repository (the design contract): a document may name it, saying so.
OUTSIDE_THE_REPOSITORY = {"DESIGN.md"}
# Made at run time, never committed: `make run`'s data.
MADE_AT_RUN_TIME = {".data/"}
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
# A cited file: a relative path with a file extension, or a folder (trailing slash).
EXTENSIONS = "py|md|js|css|yml|yaml|toml|lock|sh|png|lua|json|txt|cfg|ini"
CITED_PATH = re.compile(rf"^\.?[\w-]+(/[\w.-]+)*(\.({EXTENSIONS})|/)$")
# Where a document's paths are read from: the repository, the document's folder, the package
# (a module's own files, `pricing/curve.py`), and the web app's folder (`messages.js`).
ROOTS = (REPO, REPO / "src" / "carteira", REPO / "src" / "carteira" / "web" / "static")

TOOL = REPO / "tools" / "settings_table.py"
spec = importlib.util.spec_from_file_location("settings_table", TOOL)
assert spec is not None
assert spec.loader is not None
settings_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(settings_table)


def _name(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


@cache
def anchors(path: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lowercased, punctuation dropped, spaces as
    hyphens, `-1`, `-2` for repeats."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", path.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return found


def broken_links(document: Path) -> list[str]:
    problems = []
    for target in LINK.findall(FENCE.sub("", document.read_text())):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        path = (document.parent / file_part).resolve() if file_part else document
        if not path.exists():
            problems.append(f"{target}: no such file")
            continue
        if anchor and path.suffix == ".md" and anchor not in anchors(path):
            problems.append(f"{target}: no heading #{anchor} in {_name(path)}")
    return problems


def missing_paths(document: Path) -> list[str]:
    problems = []
    for span in CODE_SPAN.findall(FENCE.sub("", document.read_text())):
        token = span.strip()
        if token in OUTSIDE_THE_REPOSITORY or token in MADE_AT_RUN_TIME:
            continue
        if token.endswith(".md") and "/" not in token:  # a page named alone
            roots: tuple[Path, ...] = (REPO, document.parent)
        elif CITED_PATH.match(token) and "/" in token.rstrip("/"):
            roots = (*ROOTS, document.parent)
        else:
            continue
        if not any((root / token).exists() for root in roots):
            problems.append(token)
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_link_points_at_a_file_and_heading_that_exist(document):
    assert broken_links(document) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_file_a_document_cites_exists(document):
    assert missing_paths(document) == []


def test_the_checks_catch_a_broken_link_an_anchor_and_a_path(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n[ok](#a-page) [gone](missing.md) [anchor](#nowhere)"
        " `src/carteira/nothing.py` `core/config.py` `NOWHERE.md`\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "#nowhere: no heading #nowhere in page.md",
    ]
    assert missing_paths(page) == ["src/carteira/nothing.py", "NOWHERE.md"]


def test_the_readme_starts_with_the_two_commands():
    readme = (REPO / "README.md").read_text()
    commands = re.findall(r"^make \w+", readme.split("```sh\n", 1)[1].split("```", 1)[0], re.M)
    assert readme.index("```sh") < readme.index("\n## ")
    assert commands == ["make run", "make test"]


def test_the_front_doors_stay_short():
    assert len((REPO / "README.md").read_text().splitlines()) <= 200
    assert len((REPO / "bench" / "README.md").read_text().splitlines()) <= 300


def test_the_settings_table_is_written_from_the_settings_class():
    page = settings_table.PAGE.read_text()
    assert settings_table.replace_table(page) == page, "run tools/settings_table.py"
    table = page.split(settings_table.BEGIN, 1)[1].split(settings_table.END, 1)[0]
    for field in Settings.model_fields:
        assert f"| `{field.upper()}` |" in table


def test_a_setting_without_a_meaning_stops_the_generator():
    class WithANewSetting(Settings):
        brand_new_limit: int = Field(3)

    with pytest.raises(settings_table.MissingMeaningError, match="BRAND_NEW_LIMIT"):
        settings_table.table(WithANewSetting)


def test_a_changed_default_makes_the_table_stale():
    class WithAnotherDefault(Settings):
        tick_seconds: int = 10

    page = settings_table.PAGE.read_text()
    fresh = settings_table.replace_table(page, WithAnotherDefault)
    assert fresh != page
    assert "| `TICK_SECONDS` | `10` |" in fresh
