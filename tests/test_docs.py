"""The documentation's promises: citations resolve, no local paths, one API page per module.

These checks read the repository's own files (``docs/`` and ``src/``), never
anything outside it.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import pkgutil
import re
from pathlib import Path

import pytest

import kpicore
from kpicore.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "kpicore"
DOCS = ROOT / "docs"

#: A Sphinx citation definition on the references page: ``.. [KEY] text``.
_DEFINITION = re.compile(r"^\.\. \[([A-Za-z0-9-]+)\] (.+?)(?=^\.\. |^\S|\Z)", re.M | re.S)
#: A citation reference: ``[KEY]_``.
_REFERENCE = re.compile(r"\[([A-Z][A-Za-z0-9-]*)\]_")
#: A bracket key that looks like a citation but is not written as a reference.
_BARE = re.compile(r"\[([A-Z][A-Z0-9]+(?:-[A-Z0-9]+)?)\](?!_)")


def _definitions() -> dict[str, str]:
    text = (DOCS / "references.rst").read_text(encoding="utf-8")
    return {m.group(1): " ".join(m.group(2).split()) for m in _DEFINITION.finditer(text)}


def _docstrings() -> dict[str, str]:
    """Every docstring of the package, keyed ``path:line``."""
    out: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = [tree, *ast.walk(tree)]
        for node in nodes:
            if isinstance(
                node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            ):
                doc = ast.get_docstring(node, clean=False)
                if doc:
                    line = getattr(node, "lineno", 1)
                    out[f"{path.relative_to(ROOT)}:{line}"] = doc
    return out


def test_references_page_defines_titles_and_urls() -> None:
    defs = _definitions()
    assert len(defs) >= 40
    for key, text in defs.items():
        assert "http" in text, f"{key} has no URL: {text!r}"
        title = text.split("http")[0]
        assert len(title.split()) >= 3, f"{key} has no title: {text!r}"


def test_every_docstring_citation_is_on_the_references_page() -> None:
    defs = _definitions()
    cited: set[str] = set()
    for where, doc in _docstrings().items():
        keys = set(_REFERENCE.findall(doc))
        missing = keys - defs.keys()
        assert not missing, f"{where} cites {sorted(missing)}, not on docs/references.rst"
        cited |= keys
        bare = {k for k in _BARE.findall(doc) if k in defs}
        assert not bare, f"{where}: {sorted(bare)} written without the trailing '_'"
    assert len(cited) >= 40


def test_every_reference_is_cited_somewhere() -> None:
    text = "\n".join(_docstrings().values())
    for page in DOCS.rglob("*.rst"):
        if page.name != "references.rst" and "_build" not in page.parts:
            text += page.read_text(encoding="utf-8")
    cited = set(_REFERENCE.findall(text))
    assert set(_definitions()) <= cited


@pytest.mark.parametrize(
    "pattern",
    [
        "/work/",
        "shared/notes",
        "shared/data",
        "DESIGN.md",
        "ar-kpi-definitions",
        "isp-erp-domain",
        "process-mining-semantics",
        "the notes",
    ],
)
def test_no_docstring_cites_a_local_note(pattern: str) -> None:
    hits = [where for where, doc in _docstrings().items() if pattern in doc]
    assert hits == []


def test_docs_pages_cite_no_local_path() -> None:
    for page in DOCS.rglob("*.rst"):
        if "_build" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        for pattern in ("/work/", "shared/notes", "DESIGN.md", "../shared"):
            assert pattern not in text, f"{page.relative_to(ROOT)} mentions {pattern!r}"


def _public_modules() -> set[str]:
    names = {"kpicore.kpis._ledger"}  # public names (Ledger, ledger, Roles) live there
    for info in pkgutil.walk_packages(kpicore.__path__, "kpicore."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]):
            continue
        if info.name.startswith("kpicore.eventlog.") or info.name.startswith("kpicore.model."):
            continue  # documented through their package (``:imported-members:``)
        names.add(info.name)
    return names - {"kpicore.kpis"}


def test_api_reference_has_one_page_per_public_module() -> None:
    documented: dict[str, str] = {}
    for page in sorted((DOCS / "api").glob("*.rst")):
        for mod in re.findall(r"^\.\. automodule:: (\S+)", page.read_text(encoding="utf-8"), re.M):
            assert mod not in documented, f"{mod} on {documented.get(mod)} and {page.name}"
            documented[mod] = page.name
            importlib.import_module(mod)
    assert set(documented) == _public_modules()
    index = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    for page in (DOCS / "api").glob("*.rst"):
        if page.stem != "index":
            assert re.search(rf"^   {page.stem}$", index, re.M), page.name
    assert not (DOCS / "api.rst").exists()


def test_kpi_pages_have_formula_sources_pt_name_and_example() -> None:
    pages = sorted(p for p in (DOCS / "kpis").glob("*.rst") if p.stem != "index")
    index = (DOCS / "kpis" / "index.rst").read_text(encoding="utf-8")
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for needle in ("**pt-BR:**", "\nFormula\n", "\nSources\n", "\nWorked example\n", ">>> "):
            assert needle in text, f"{page.name} lacks {needle!r}"
        assert _REFERENCE.search(text.split("\nSources\n")[1]), page.name
        assert f":doc:`{page.stem}`" in index, page.name


def test_index_toctree_lists_the_documentation() -> None:
    text = (DOCS / "index.rst").read_text(encoding="utf-8")
    toctree = text.split(".. toctree::")[1].split("\n\n", 2)[1]
    entries = [line.strip() for line in toctree.splitlines()]
    for entry in ("getting-started", "howto/index", "kpis/index", "glossary", "references",
                  "api/index", "changelog"):  # fmt: skip
        assert entry in entries
        assert (DOCS / f"{entry}.rst").exists()


def test_glossary_pairs_english_and_portuguese() -> None:
    text = (DOCS / "glossary.rst").read_text(encoding="utf-8")
    assert ".. glossary::" in text
    for en, pt in [("due date", "vencimento"), ("dunning", "régua de cobrança"),
                   ("paid until", "pago até"), ("DSO", "PMR")]:  # fmt: skip
        assert re.search(rf"^   {re.escape(en)}\n   {re.escape(pt)}\n", text, re.M), (en, pt)


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"]])
def test_help_has_no_sphinx_markup(argv: list[str]) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    text = out.getvalue()
    assert "usage: python -m kpicore" in text
    for markup in ("``", ":mod:", ":func:", ":class:", ":meth:", "*as of*", ".. "):
        assert markup not in text, f"{markup!r} in --help"
    if argv == ["--help"]:
        assert "demo" in text
