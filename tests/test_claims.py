"""The claims registry: loads, validates, and backs every parameter and term."""
import os
import re
from pathlib import Path

import pytest

import alliance_sim as a
from alliance_sim.domain.claims import claim_ids, load_registry, seeds_dir
from alliance_sim.errors import UserError
from alliance_sim.domain.parameters import PARAMETERS
from alliance_sim.domain.payoffs import TERMS

# The articles are not redistributed with the code: set ALLIANCE_SIM_ARTICLES to the folder holding their
# .txt files (default: ../shared/seeds beside the checkout); seeds/sources.toml gives each one's URL.
SHARED = Path(os.environ.get("ALLIANCE_SIM_ARTICLES")
              or Path(__file__).resolve().parents[1].parent / "shared" / "seeds")


def test_registry_has_at_least_40_claims_from_all_four_articles():
    df = a.claims()
    assert len(df) >= 40
    assert set(df["source"]) == set(a.sources()["id"])
    articles = set(a.sources().query("file != ''")["id"])
    assert len(articles) == 4 and articles <= set(df["source"])
    # the other sources (the alliance-reliability study) anchor parameters, with few claims each
    assert (df[~df["source"].isin(articles)].groupby("source").size() <= 3).all()
    assert {"id", "source", "locator", "kind", "actors", "text", "figures"} <= set(df.columns)


def test_every_parameter_cites_existing_claims():
    ids = claim_ids()
    for p in PARAMETERS.values():
        assert p.claims, p.name
        missing = [c for c in p.claims if c not in ids]
        assert not missing, (p.name, missing)


def test_every_term_cites_existing_claims_and_has_a_weight_parameter():
    ids = claim_ids()
    for t in TERMS:
        assert t.weight in PARAMETERS, t.name
        assert t.claims and all(c in ids for c in t.claims), (t.actor, t.name)


def test_figures_the_articles_give_are_recorded():
    df = a.claims().set_index("id")

    def values(cid):
        return [f.get("value") for f in df.loc[cid, "figures"]] + [f.get("low") for f in df.loc[cid, "figures"]]

    assert 11000 in values("troops.first_wave")
    assert 4000 in values("casualties.three_months")
    assert 1100 in values("casualties.december")
    assert 18 in values("meetings.leader_level")
    assert 9 in values("sanctions.nine_resolutions")
    assert 50000 in values("deaths.combined")
    dates = [f["date"] for f in df.loc["treaty.dates", "figures"]]
    assert "2024-06-18" in dates and "2024-12-04" in dates


def test_contested_claims_carry_two_readings():
    df = a.claims()
    contested = df[df["kind"] == "contested"]
    assert {"troops.contested", "alliance.survives_ceasefire", "mediation.russia_role"} <= set(contested["id"])
    assert all(len(r) >= 2 for r in contested["readings"])


def _write(folder, sources, claims):
    folder.mkdir()
    (folder / "sources.toml").write_text(sources)
    (folder / "claims.toml").write_text(claims)
    return folder


SOURCE = '''[[source]]
id = "s1"
file = "x.txt"
title = "T"
outlet = "O"
author = "A"
date = "2025-01"
date_note = "printed"
'''
CLAIM = '''[[claim]]
id = "{id}"
source = "{source}"
locator = "para 1"
kind = "fact"
actors = ["PRK"]
text = "A paraphrase long enough to count as a claim."
'''


def test_loader_rejects_duplicate_ids(tmp_path):
    f = _write(tmp_path / "r", SOURCE, CLAIM.format(id="a.b", source="s1") * 2)
    with pytest.raises(UserError, match=r"duplicate claim id 'a.b'"):
        load_registry(f)


def test_loader_rejects_unknown_sources(tmp_path):
    f = _write(tmp_path / "r", SOURCE, CLAIM.format(id="a.b", source="nope"))
    with pytest.raises(UserError, match=r"unknown source 'nope'; allowed: s1"):
        load_registry(f)


def test_loader_rejects_missing_fields_naming_file_and_key(tmp_path):
    f = _write(tmp_path / "r", SOURCE, CLAIM.format(id="a.b", source="s1").replace('locator = "para 1"\n', ""))
    with pytest.raises(UserError) as e:
        load_registry(f)
    msg = str(e.value)
    assert "claims.toml" in msg and "claim[a.b].locator" in msg and "required" in msg.lower()


def test_loader_rejects_contested_without_readings(tmp_path):
    f = _write(tmp_path / "r", SOURCE, CLAIM.format(id="a.b", source="s1").replace('"fact"', '"contested"'))
    with pytest.raises(UserError, match="two readings"):
        load_registry(f)


def _words(text):
    return re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()


@pytest.mark.skipif(not any(SHARED.glob("*.txt")),
                    reason=f"the copy check needs the four articles' text: none in {SHARED}; set ALLIANCE_SIM_ARTICLES "
                           f"to their folder (URLs in seeds/sources.toml)")
def test_registry_is_in_our_own_words():
    """No run of 8 words from any claim text or reading appears in the articles."""
    article = set()
    for f in SHARED.glob("*.txt"):
        w = _words(f.read_text(encoding="utf-8"))
        article |= {tuple(w[i:i + 8]) for i in range(len(w) - 7)}
    df = a.claims()
    texts = list(df["text"]) + [r for rs in df["readings"] for r in rs]
    hits = []
    for t in texts:
        w = _words(t)
        hits += [" ".join(w[i:i + 8]) for i in range(len(w) - 7) if tuple(w[i:i + 8]) in article]
    assert not hits, hits[:5]


def test_seeds_dir_is_the_repository_registry_or_packaged_copy():
    assert (seeds_dir() / "claims.toml").is_file()
