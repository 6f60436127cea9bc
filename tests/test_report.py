"""The HTML report: one self-contained file that says what was run, what it found and what it rests on.

Checked: the document's structure (balanced tags, unique ids, every in-page
link lands), that it needs nothing outside itself (images are ``data:`` PNGs,
no script, stylesheet or other resource, the only web addresses are the
sources' own links), that its claims, parameters and numbers are the
library's, that it is byte-for-byte reproducible, that bad input writes
nothing, and that a real browser shows it with every image.
"""
import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import alliance_sim
from alliance_sim.domain.claims import claim_ids, sources
from alliance_sim.domain.metrics import MAIN_METRICS
from alliance_sim.domain.parameters import PARAMETERS
from alliance_sim.errors import UserError
from alliance_sim.output.io import check_out
from alliance_sim.output.report import build_report, changed_parameters, headline, mean_interval, write_report
from alliance_sim.output.results import Results
from _cli import cli

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SETS = {"belief_adjust": 0.7}  # a --set on top of the scenario's own parameters


class Doc(HTMLParser):
    """The parts of a document the tests look at; fails on an unbalanced or stray tag."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids, self.tags = [], [], [], []
        self.attrs: list[tuple[str, dict]] = []
        self.text_parts, self.title = [], ""
        self._in_title = False
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag not in VOID:
            self.stack.append(tag)
        self._in_title = tag == "title"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"end tag for void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        self._in_title = False

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._in_title:
            self.title += data

    @property
    def text(self) -> str:
        return " ".join(self.text_parts)

    def with_attr(self, name: str) -> list[dict]:
        return [a for _, a in self.attrs if name in a]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A shipped scenario that changes parameters, plus a --set, run small and saved (as `alliance-sim run`)."""
    out = tmp_path_factory.mktemp("report") / "escalation"
    alliance_sim.run("escalation", replicates=24, seed=5, overrides=SETS, out=out)
    return out


@pytest.fixture(scope="module")
def report(run_dir):
    path = write_report(run_dir)
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc(report):
    return Doc(report[1])


def test_structure_is_balanced_with_unique_ids_and_links_that_land(doc):
    assert doc.errors == []
    assert doc.tags[:2] == ["html", "head"] and "body" in doc.tags
    assert len(doc.ids) == len(set(doc.ids)), "duplicate ids"
    targets = [a["href"][1:] for a in doc.with_attr("href") if a["href"].startswith("#")]
    assert targets, "no in-page links"
    assert set(targets) <= set(doc.ids)
    for section in ("run", "headline", "figures", "explain", "claims"):
        assert section in doc.ids


def test_self_contained_no_script_no_external_resource(report, doc):
    text = report[1]
    assert "script" not in doc.tags and "link" not in doc.tags and "iframe" not in doc.tags
    imgs = [a for t, a in doc.attrs if t == "img"]
    assert len(imgs) == 3
    for a in imgs:
        assert a["src"].startswith("data:image/png;base64,")
        png = base64.b64decode(a["src"].split(",", 1)[1], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert a.get("alt")
    for a in doc.with_attr("src"):
        assert a["src"].startswith("data:")
    assert "url(" not in text and "@import" not in text
    assert "file://" not in text
    # the only web addresses: the sources' own, as links to follow (nothing is fetched)
    urls = set(sources()["url"]) - {""}
    for a in doc.with_attr("href"):
        assert a["href"].startswith("#") or a["href"] in urls, a["href"]
    linked = {a["href"] for a in doc.with_attr("href") if not a["href"].startswith("#")}
    assert set(re.findall(r"https?://[^\s\"<]+", text)) <= urls
    assert linked <= urls


def test_claims_named_exist_and_every_term_links_to_its_claims(doc):
    known = claim_ids()
    anchors = [i.removeprefix("claim-") for i in doc.ids if i.startswith("claim-")]
    assert anchors and set(anchors) <= known
    linked = {a["href"].removeprefix("#claim-") for a in doc.with_attr("href") if a["href"].startswith("#claim-")}
    assert linked <= set(anchors)
    from alliance_sim.domain.payoffs import TERMS

    sc = alliance_sim.load_scenario("escalation")
    needed = set(sc.claims) | {c for t in TERMS for c in t.claims} | {
        c for name in SETS for c in PARAMETERS[name].claims}
    assert needed <= set(anchors)
    # each claim comes with its paraphrase and its source
    from alliance_sim.domain.claims import get_claim

    for cid in sorted(needed)[:10]:
        c = get_claim(cid)
        assert " ".join(c.text.split()) in " ".join(doc.text.split())


def test_parameters_listed_as_changed_are_the_scenarios_and_the_sets(run_dir, report):
    sc = alliance_sim.load_scenario("escalation")
    expected = {k for k, v in {**sc.parameters, **SETS}.items() if v != PARAMETERS[k].default}
    res = Results.load(run_dir)
    assert set(changed_parameters(res)) == expected
    # the parameter table names exactly these, each with its default
    rows = re.findall(r"<tr><td><code>([a-z0-9_]+)</code></td><td>([^<]*)</td><td>([^<]*)</td>",
                      re.search(r'<table class="params">.*?</table>', report[1]).group(0))
    assert {r[0] for r in rows} == expected
    for name, value, default in rows:
        assert float(default) == PARAMETERS[name].default
        assert float(value.replace("&minus;", "-")) == pytest.approx({**sc.parameters, **SETS}[name], abs=1e-4)


@pytest.fixture(scope="module")
def cells(report):
    """The headline table's numbers, as written in its data attributes."""
    out = {}
    for m in re.finditer(r'data-metric="([a-z_]+)" data-month="(\d+)" data-stat="(\w+)" ([^>]*)>', report[1]):
        metric, month, stat, rest = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        vals = dict(re.findall(r'data-(\w+)="([^"]+)"', rest))
        out[(metric, month, stat)] = {k: float(v) for k, v in vals.items()}
    return out


def test_headline_numbers_are_the_librarys(run_dir, cells):
    res = Results.load(run_dir)
    summary = res.summary(MAIN_METRICS)
    assert {(r.metric, r.month) for r in summary.itertuples()} == {(k[0], k[1]) for k in cells}
    assert sorted({r.month for r in summary.itertuples()}) == [6, 12, 24, 36]
    for r in summary.itertuples():
        assert cells[(r.metric, r.month, "mean")]["value"] == r.mean
        band = cells[(r.metric, r.month, "band")]
        assert (band["low"], band["high"]) == (r.p05, r.p95)
    # the interval of the mean, recomputed here: Student's t for a continuous metric, Wilson for a 0/1 one
    df = res.trajectories
    x = df.loc[df["month"] == 12, "blood_debt"].to_numpy()
    half = stats.t.ppf(0.95, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    ci = cells[("blood_debt", 12, "mean_interval")]
    assert ci["low"] == pytest.approx(x.mean() - half) and ci["high"] == pytest.approx(x.mean() + half)
    share = df.loc[df["month"] == 36, "ceasefire"].to_numpy()
    lo, hi = mean_interval(share)
    assert 0 <= lo <= share.mean() <= hi <= 1
    table = headline(res)
    assert (table["mean_low"] <= table["mean"] + 1e-12).all() and (table["mean"] <= table["mean_high"] + 1e-12).all()


def test_caption_says_which_interval_is_which(doc):
    text = " ".join(doc.text.split())
    assert "90% CI of the mean" in text and "90% band" in text
    assert "5th to 95th percentile" in text and "narrows as replicates are added" in text


def test_what_was_run_names_seed_replicates_solution_version_commit_and_events(run_dir, doc):
    man = json.loads((run_dir / "manifest.json").read_text())
    text = " ".join(doc.text.split())
    assert doc.title.strip() == "alliance-sim report: escalation"
    for fact in ("seed 5", "24 replicates", "logit QRE", man["version"], man["created"]):
        assert fact in text
    if man.get("commit"):
        assert man["commit"] in text
    sc = alliance_sim.load_scenario("escalation")
    for ev in sc.events:
        assert f"{ev.kind.replace('_', ' ')}" in text or ev.kind in text


def test_explanation_for_each_actor_at_the_chosen_month(doc):
    from alliance_sim.domain.actors import ACTORS

    for code in ACTORS:
        assert f"explain-{code}" in doc.ids
    assert "month 12" in doc.text


def test_same_run_same_bytes(run_dir, report, tmp_path):
    again = write_report(run_dir, tmp_path / "again.html")  # read back from the folder again, drawn again
    assert again.read_bytes() == report[0].read_bytes()


def test_report_in_the_folder_keeps_it_an_alliance_sim_folder(run_dir, report):
    files = json.loads((run_dir / "manifest.json").read_text())["files"]
    assert "report.html" in files
    check_out(run_dir, overwrite=True)  # `run --overwrite` may still replace the whole folder


def test_month_default_is_the_horizon_when_shorter(tmp_path):
    text = Path(alliance_sim.load_scenario("baseline").path).read_text().replace("horizon = 36", "horizon = 5")
    text = text.replace('name = "baseline"', 'name = "short"')
    toml = tmp_path / "short.toml"
    toml.write_text(text)
    res = alliance_sim.run(str(toml), replicates=6, seed=2)
    html = build_report(res)
    assert "Why the actors choose as they do: month 5" in html
    with pytest.raises(UserError, match="allowed: 1 to 5"):
        build_report(res, month=6)


def test_public_api_returns_html_or_writes_a_file(run_dir, tmp_path):
    res = alliance_sim.load(run_dir)
    html = alliance_sim.report(res, month=2)
    assert html.startswith("<!DOCTYPE html>") and "month 2" in html
    out = alliance_sim.report(res, tmp_path / "r.html", month=2)
    assert out.read_text(encoding="utf-8") == html


@pytest.mark.parametrize("args, match", [
    (["{missing}"], "does not exist"),
    (["{foreign}"], "no manifest.json"),
    (["{run}", "--month", "37"], "allowed: 1 to 36"),
    (["{run}", "--month", "0"], "--month"),
    (["{run}", "--out", "{foreign}/notes.html", "--overwrite"], "not a report alliance-sim wrote"),
    (["{run}", "--out", "{foreign}"], "is a folder"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(run_dir, tmp_path, args, match):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.html").write_text("my notes")
    before = {p: p.read_bytes() for p in [*run_dir.rglob("*"), *foreign.rglob("*")] if p.is_file()}
    subs = {"missing": tmp_path / "nope", "foreign": foreign, "run": run_dir}
    r = cli("report", *[a.format(**subs) for a in args])
    assert r.returncode == 2, r
    assert match in r.stderr and len(r.stderr.strip().splitlines()) == 1
    after = {p: p.read_bytes() for p in [*run_dir.rglob("*"), *foreign.rglob("*")] if p.is_file()}
    assert after == before
    assert not list(tmp_path.rglob("*.html*")) or list(tmp_path.rglob("*.html*")) == [foreign / "notes.html"]


def test_existing_report_needs_overwrite(run_dir, report, tmp_path):
    out = tmp_path / "r.html"
    assert cli("report", run_dir, "--out", out, "--month", "3").returncode == 0
    first = out.read_bytes()
    r = cli("report", run_dir, "--out", out)
    assert r.returncode == 2 and "--overwrite" in r.stderr and out.read_bytes() == first
    r = cli("report", run_dir, "--out", out, "--overwrite")
    assert r.returncode == 0 and out.read_bytes() == report[0].read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "compare"
    alliance_sim.compare(["baseline", "ukraine_ceasefire"], replicates=10, seed=4).save(out)
    return out


def test_compare_folder_covers_each_scenario_and_the_comparison(compare_dir):
    path = write_report(compare_dir, month=6)
    text = path.read_text(encoding="utf-8")
    d = Doc(text)
    assert d.errors == [] and len(d.ids) == len(set(d.ids))
    assert "comparison" in d.ids
    for name in ("baseline", "ukraine_ceasefire"):
        for part in ("run", "headline", "figures", "explain"):
            assert f"s-{name}-{part}" in d.ids
    comp = alliance_sim.load(compare_dir)
    table = comp.table()
    shown = dict(((m, s), float(v)) for m, s, v in re.findall(
        r'data-metric="([a-z_]+)" data-scenario="([a-z_]+)" data-value="([^"]+)"', text))
    assert shown == {(r.metric, r.scenario): r.mean for r in table.itertuples()}
    # the paired differences with their intervals, at months 6, 12, 24 and the last: the library's
    diffs = {(m, s, int(mo)): (float(d), float(lo), float(hi)) for m, s, mo, d, lo, hi in re.findall(
        r'data-metric="([a-z_]+)" data-scenario="([a-z_]+)" data-month="(\d+)" data-diff="([^"]+)" '
        r'data-low="([^"]+)" data-high="([^"]+)"', text)}
    lib = comp.differences(months=[6, 12, 24, 36])
    assert {(r.metric, r.scenario, r.month): (r.diff, r.lo, r.hi) for r in lib.itertuples()}.items() <= diffs.items()
    assert len(diffs) == len(lib)
    assert "90% confidence interval" in d.text
    imgs = [a for t, a in d.attrs if t == "img"]
    assert len(imgs) == 8  # three per scenario, the comparison and the differences
    assert all(a["src"].startswith("data:image/png;base64,") for a in imgs)


def test_browser_shows_the_report_with_every_image(report, page, tmp_path):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report[0].resolve().as_uri())
    assert page.title() == "alliance-sim report: escalation"
    widths = page.evaluate("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == 3 and all(w > 0 for w in widths)
    # nothing but the file itself (and its data: images) was asked for
    assert all(u.startswith("data:") or u == report[0].resolve().as_uri() for u in requests), requests
    page.shot("report")
    assert (tmp_path / "report.png").stat().st_size > 10_000
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"


def test_run_with_report_writes_the_folder_and_its_report(tmp_path):
    out = tmp_path / "run"
    r = cli("run", "ukraine_ceasefire", "-n", 6, "--seed", 2, "--out", out, "--no-figures", "--report")
    assert r.returncode == 0, r.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "6 replicates" in page
    assert "report.html" in json.loads((out / "manifest.json").read_text())["files"]
    assert f"wrote {out / 'report.html'}" in r.stdout
    # without the flag, no report
    r = cli("run", "ukraine_ceasefire", "-n", 6, "--seed", 2, "--out", tmp_path / "plain", "--no-figures")
    assert r.returncode == 0 and not (tmp_path / "plain" / "report.html").exists()
