"""The six actors' inputs (seeds/classic_inputs.toml): every number cites claims; overrides."""
import re
from pathlib import Path

import pytest

import alliance_sim as a
from alliance_sim.classic import apply_overrides, load_inputs
from alliance_sim.classic.inputs import ACTORS, inputs_path
from alliance_sim.errors import UserError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def inp():
    return load_inputs()


def test_file_is_in_seeds():
    assert inputs_path().name == "classic_inputs.toml" and inputs_path().is_file()


def test_every_number_cites_existing_claims(inp):
    known = set(a.claims()["id"])
    cites = inp.citations_frame()
    assert len(cites) == 3 * len(ACTORS) * len(inp.issues) + len(ACTORS) + 15
    for row in cites.itertuples():
        assert row.claims and set(row.claims) <= known, row.key
    assert cites["elicited"].dtype == bool


def test_issues_cover_the_articles_questions(inp):
    assert {"prk_support", "us_prk_deal", "russia_gains_recognised", "tech_transfer",
            "sanctions_relief"} <= set(inp.issues)
    for iss in inp.issues.values():
        assert list(iss.actors) == list(ACTORS)
        t = inp.table(iss.id)
        assert ((t.position >= 0) & (t.position <= 1)).all()


def test_landscape_has_every_pair(inp):
    names, s, p = inp.landscape_arrays()
    assert names == list(ACTORS) and (s > 0).all()
    assert (p == p.T).all() and (abs(p) <= 1).all()


def test_overrides_flat_tuple_and_landscape(inp):
    out = apply_overrides(inp, {"us_prk_deal.USA.position": 0.8, ("tech_transfer", "RUS"): {"salience": 0.1},
                                "landscape.size.PRK": 0.9, "landscape.propensity.RUS-PRK": 0.2})
    assert out.issues["us_prk_deal"].actors["USA"].position == 0.8
    assert out.issues["tech_transfer"].actors["RUS"].salience == 0.1
    assert out.sizes["PRK"] == 0.9 and out.propensity[frozenset(("PRK", "RUS"))] == 0.2
    assert inp.issues["us_prk_deal"].actors["USA"].position == 0.5  # original untouched
    row = out.citations_frame().set_index("key").loc["us_prk_deal.USA.position"]
    assert row["claims"] == ["(override)"]


@pytest.mark.parametrize("ov, msg", [
    ({"us_prk_deal.USA.position": 1.5}, r"us_prk_deal\.USA\.position: must be in \[0, 1\]"),
    ({"nope.USA.position": 0.5}, "unknown issue 'nope'"),
    ({"us_prk_deal.XXX.position": 0.5}, "unknown actor 'XXX'"),
    ({"us_prk_deal.USA.power": 0.5}, "unknown field 'power'"),
    ({"landscape.propensity.RUS-RUS": 0.5}, "unknown landscape key"),
    ({"landscape.size.USA": 0}, "must be > 0"),
    ({"us_prk_deal": 0.5}, "unknown key"),
])
def test_override_errors_are_one_line(inp, ov, msg):
    with pytest.raises(UserError, match=msg) as e:
        apply_overrides(inp, ov)
    assert "\n" not in str(e.value)


def _copy(tmp_path, edit):
    text = inputs_path().read_text(encoding="utf-8")
    f = tmp_path / "classic_inputs.toml"
    f.write_text(edit(text), encoding="utf-8")
    return f


@pytest.mark.parametrize("edit, msg", [
    (lambda t: t.replace('claims = ["deal.support_2019"]\nelicited = true\nnote = "A 2019',
                         'claims = ["no.such_claim"]\nelicited = true\nnote = "A 2019', 1),
     r"issue\[us_prk_deal\]\.actor\[CHN\]\.claims: unknown claim id"),
    (lambda t: t.replace("position = 0.9\nsalience = 0.8\ncapability = 0.7", "position = 1.9\nsalience = 0.8\n"
                         "capability = 0.7", 1), r"actor\[RUS\]\.position: must be in \[0, 1\]"),
    (lambda t: t.replace('actor = "UKR"\nposition = 0.0\nsalience = 1.0\ncapability = 0.3', 'actor = "RUS"\n'
                         'position = 0.0\nsalience = 1.0\ncapability = 0.3', 1), "duplicate actor RUS"),
    (lambda t: t.replace('actors = ["KOR", "UKR"]', 'actors = ["KOR", "KOR"]'), "two different codes"),
    (lambda t: t.replace("version = 1", "version = 1\ncolour = 2"), "unknown key"),
    (lambda t: t + "\n[[nope", "not valid TOML"),
])
def test_bad_files_name_file_and_key(tmp_path, edit, msg):
    f = _copy(tmp_path, edit)
    with pytest.raises(UserError, match=msg) as e:
        load_inputs(f)
    assert str(f) in str(e.value) and "\n" not in str(e.value)


def _words(text):
    return re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()


@pytest.mark.skipif(not SHARED.is_dir(), reason="the articles (../shared/seeds) are not beside this checkout")
def test_notes_are_in_our_own_words():
    """No run of 8 words from the inputs file appears in the articles."""
    article = set()
    for f in SHARED.glob("*.txt"):
        w = _words(f.read_text(encoding="utf-8"))
        article |= {tuple(w[i:i + 8]) for i in range(len(w) - 7)}
    w = _words(inputs_path().read_text(encoding="utf-8"))
    hits = [" ".join(w[i:i + 8]) for i in range(len(w) - 7) if tuple(w[i:i + 8]) in article]
    assert not hits, hits[:5]
