"""The notebooks in ``notebooks/`` are stored clean: no outputs, no execution counts.

A notebook saved with its outputs fails here (strip it first, e.g.
``jupyter nbconvert --clear-output --inplace notebooks/*.ipynb``). Each
notebook also opens with prose: a markdown cell comes before the first code
cell. The claim ids the prose cites must exist in the registry.

Executing the notebooks is nbmake's job (``pytest --nbmake notebooks``).
"""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
# `topic.slug` in backticks, as prose cites claim ids (`alliance.survives_ceasefire`).
CITED = re.compile(r"`([a-z0-9_]+(?:\.[a-z0-9_]+)+)`")


def _load(path: Path) -> dict:
    # Plain JSON, so this runs without nbformat installed.
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _ids(paths):
    return [p.name for p in paths]


def test_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_quickstart.ipynb", "03_games.ipynb"} <= names, f"notebooks found: {sorted(names)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_outputs_stripped(path):
    nb = _load(path)
    dirty = [(i, len(c.get("outputs", [])), c.get("execution_count"))
             for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (
        f"{path.name} is saved with outputs or execution counts in code cells "
        f"(cell index, outputs, execution_count): {dirty}; strip them with "
        f"`jupyter nbconvert --clear-output --inplace {path.as_posix()}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_markdown_before_first_code_cell(path):
    kinds = [c["cell_type"] for c in _load(path)["cells"]]
    assert "code" in kinds, f"{path.name} has no code cell"
    first_code = kinds.index("code")
    assert "markdown" in kinds[:first_code], (
        f"{path.name}: cell {first_code} is code with no markdown cell before it; "
        "open with a markdown cell saying what the reader is looking at")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_cited_claims_exist(path):
    from alliance_sim.domain.claims import claim_ids

    known = claim_ids()
    topics = {c.split(".")[0] for c in known}
    text = "\n".join(_source(c) for c in _load(path)["cells"] if c["cell_type"] == "markdown")
    # Only dotted names under a claim topic count as citations (not `res.trajectories`).
    cited = {m for m in CITED.findall(text) if m.split(".")[0] in topics}
    unknown = sorted(cited - known)
    assert not unknown, f"{path.name} cites claim ids not in the registry: {unknown}"
