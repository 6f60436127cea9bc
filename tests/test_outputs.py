"""Issue 12: never lose a file, validate before running, results that reopen, one grammar, honest analysis."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alliance_sim as a
from _cli import cli

ROOT = Path(__file__).resolve().parents[1]
WRITERS = [
    ("run", "baseline", "-n", 3),
    ("compare", "baseline", "ukraine_ceasefire", "-n", 3),
    ("sweep", "baseline", "--samples", 4, "--parameter", "rationality"),
    ("sensitivity", "baseline", "--outcome", "alliance_strength", "--samples", 2, "--parameter", "rationality"),
    ("discover", "baseline", "--samples", 8, "--parameter", "rationality"),
]


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def _one_line(r, fragment):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alliance-sim: error: ") and fragment in lines[0], r.stderr
    return lines[0]


# ----------------------------------------------------------------------------- never lose a file
@pytest.mark.parametrize("args", WRITERS, ids=[w[0] for w in WRITERS])
def test_a_folder_with_other_files_is_refused_and_nothing_in_it_changes(tmp_path, args):
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "draft.tex").write_text("\\section{Results}\n")
    before = _snapshot(tmp_path)
    for extra in ((), ("--overwrite",)):  # --overwrite never deletes what alliance-sim did not write
        line = _one_line(cli(*args, "--out", paper, *extra, cwd=tmp_path), "draft.tex")
        assert "paper" in line
        assert _snapshot(tmp_path) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["paper"]


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_file_is_never_turned_into_a_folder(tmp_path, command):
    target = tmp_path / "results.txt"
    target.write_text("mine")
    args = ("run", "baseline") if command == "run" else ("compare", "baseline", "escalation")
    _one_line(cli(*args, "-n", 2, "--out", target, "--overwrite", cwd=tmp_path), "is a file")
    assert target.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["results.txt"]


def test_earlier_results_need_overwrite_and_a_stray_file_blocks_it(tmp_path):
    out = tmp_path / "res"
    assert cli("run", "baseline", "-n", 2, "--out", out, "--no-figures").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    _one_line(cli("run", "baseline", "-n", 2, "--out", out), "--overwrite")
    r = cli("run", "baseline", "-n", 3, "--out", out, "--overwrite", "--no-figures")
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "manifest.json").read_text())["replicates"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no .res.old left behind
    (out / "notes.md").write_text("my notes")
    _one_line(cli("run", "baseline", "-n", 2, "--out", out, "--overwrite"), "notes.md")
    assert (out / "notes.md").read_text() == "my notes"
    (out / "notes.md").unlink()
    assert cli("run", "baseline", "-n", 2, "--out", out, "--overwrite").returncode == 0
    (out / "figures" / "edited.png").write_bytes(b"mine")  # a file slipped into a sub-folder counts too
    _one_line(cli("run", "baseline", "-n", 2, "--out", out, "--overwrite"), "figures/edited.png")
    assert (out / "figures" / "edited.png").read_bytes() == b"mine"


def test_output_folders_get_the_users_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        a.run("baseline", replicates=2, out=tmp_path / "r", figures=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r").stat().st_mode) == 0o755


def test_each_command_has_its_own_default_folder(tmp_path):
    for args in (("run", "baseline", "-n", 2, "--no-figures"),
                 ("run", "baseline", "-n", 2, "--no-figures", "--set", "treaty_floor=0.1")):
        assert cli(*args, cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "results" / "run").iterdir()) == ["baseline",
                                                                               "baseline_treaty_floor-0.1"]
    from alliance_sim.cli.options import default_out

    names = {default_out("sensitivity", "baseline", m, "us_prk_deal > 0.5") for m in ("sobol", "morris")}
    names |= {default_out("discover", "baseline", "prim", "us_prk_deal > 0.5"), default_out("sweep", "baseline", "lhs")}
    assert len(names) == 4 and "results/sensitivity/baseline_sobol_us_prk_deal_gt_0.5" in names


def test_explain_figure_is_not_overwritten_without_asking(tmp_path):
    fig = tmp_path / "w.svg"
    fig.write_text("<svg/>")
    _one_line(cli("explain", "PRK", "--figure", fig), "--overwrite")
    assert fig.read_text() == "<svg/>"
    r = cli("explain", "PRK", "--figure", fig, "--overwrite")
    assert r.returncode == 0, r.stderr
    assert fig.read_text().lstrip().startswith("<?xml")


# ----------------------------------------------------------------------------- checks before work
@pytest.mark.parametrize("args, fragment", [
    (("compare", "baseline", "escalation", "--month", 99), "allowed: 0 to 36"),
    (("compare", "baseline", "escalation", "--metric", "foo"), "unknown metric 'foo'"),
    (("run", "baseline", "--figure-format", "gif"), "allowed: png, svg, pdf"),
    (("sensitivity", "baseline", "--outcome", "foo > 1"), "unknown metric 'foo'"),
    (("discover", "baseline", "--month", 40), "allowed: 1 to 36"),
])
def test_bad_input_is_refused_before_any_run(tmp_path, monkeypatch, args, fragment):
    import alliance_sim.engine.batches as batches

    def boom(*a_, **k):  # pragma: no cover - must not be reached
        raise AssertionError("a model ran before the input was checked")

    monkeypatch.setattr(batches, "run_job", boom)
    _one_line(cli(*args, "--out", tmp_path / "o", cwd=tmp_path), fragment)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- one grammar, fast help
SHARED = ("-n", "--seed", "--set", "--solution", "--chunk-size", "--executor", "--workers", "--scheduler",
          "--resume", "--out", "--overwrite")


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "sensitivity", "discover"])
def test_every_running_command_takes_the_same_flags_and_shows_defaults(command):
    r = cli(command, "--help")
    assert r.returncode == 0
    for flag in SHARED:
        assert f" {flag}" in r.stdout, (command, flag)
    assert "(default: 0)" in r.stdout  # --seed
    if command != "sweep":
        assert "--figure-format" in r.stdout


def test_help_and_reference_commands_import_no_mesa_and_fit_100_columns():
    code = (
        "import sys, io, contextlib\n"
        "from alliance_sim.cli import main\n"
        "for argv in (['--help'], ['run', '--help'], ['list'], ['parameters'], ['claims'],"
        " ['validate', 'scenarios/baseline.toml']):\n"
        "    buf = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
        "    width = max(len(line) for line in buf.getvalue().splitlines())\n"
        "    assert width <= 100, (argv, width)\n"
        "    assert 'mesa' not in sys.modules, argv\n"
        "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


# ----------------------------------------------------------------------------- results that reopen
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_load_round_trips_a_run(tmp_path, fmt):
    res = a.run("ukraine_ceasefire", replicates=6, seed=2, overrides={"rationality": 6.0}, out=tmp_path / "r",
                table_format=fmt, figures=False)
    back = a.load(tmp_path / "r")
    assert type(back) is type(res)
    pd.testing.assert_frame_equal(back.trajectories, res.trajectories, check_exact=fmt == "parquet")
    assert (back.seed, back.replicates, back.solution, back.scenario.name) == (2, 6, "qre", "ukraine_ceasefire")
    assert back.scenario.content_hash == res.scenario.content_hash and back.parameters["rationality"] == 6.0
    df = back.trajectories
    assert df["month"].min() == 0 and pd.api.types.is_datetime64_any_dtype(df["date"])
    ds = back.to_xarray()
    assert dict(ds.sizes) == {"replicate": 6, "month": 37} and "date" in ds.coords


def test_load_round_trips_a_comparison_and_a_sweep(tmp_path):
    from alliance_sim.explore import sweep

    cmp = a.compare(["baseline", "escalation"], replicates=4, seed=1)
    cmp.save(tmp_path / "c", figure_formats=())
    back = a.load(tmp_path / "c")
    assert back.names == cmp.names
    pd.testing.assert_frame_equal(back.table(), cmp.table())
    sw = sweep("baseline", "lhs", n=5, seed=1, month=[12, 36], parameters=["rationality", "treaty_floor"])
    sw.save(tmp_path / "s")
    back = a.load(tmp_path / "s")
    pd.testing.assert_frame_equal(back.table, sw.table, check_exact=True)
    assert np.array_equal(back.X, sw.X) and back.problem == sw.problem
    with pytest.raises(a.UserError, match="no manifest.json"):
        a.load(tmp_path)


def test_the_manifest_records_versions_and_the_commit(tmp_path):
    from alliance_sim.output.io import environment

    env = environment()
    for lib in ("numpy", "scipy", "mesa", "SALib", "pandas"):
        assert env[lib]
    if (ROOT / ".git").exists() and "site-packages" not in a.__file__:
        assert len(env["commit"]) == 40 and isinstance(env["dirty"], bool)


# ----------------------------------------------------------------------------- figures
def test_figures_are_saved_as_png_svg_and_pdf_at_200_dpi(tmp_path):
    out = tmp_path / "r"
    r = cli("run", "ukraine_ceasefire", "-n", 20, "--out", out, "--figure-format", "png,svg", "--figure-format", "pdf")
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert names == sorted(f"{n}.{x}" for n in ("action_shares", "main_metrics", "payoffs") for x in ("png", "svg", "pdf"))
    from matplotlib import image

    png = image.imread(out / "figures" / "main_metrics.png")
    assert png.shape[1] >= 2000  # 200 dpi on a 12.9-inch-wide figure


def test_figures_name_their_lines_bands_dates_and_run():
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    res = a.run("ukraine_ceasefire", replicates=30, seed=5)
    figs = res.figures()
    for name, fig in figs.items():
        title = fig._suptitle.get_text()
        assert "ukraine_ceasefire" in title and "30 replicates" in title and "seed 5" in title and "QRE" in title
        ax = fig.axes[0]
        assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter), name
        assert any("ceasefire" == t.get_text() for t in ax.texts), name  # the event is marked
        if name != "action_shares":
            labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
            assert any("median" in t for t in labels) and any("50%" in t for t in labels), name
    shares = figs["action_shares"]
    for ax in shares.axes:
        colors = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections if hasattr(c, "get_paths")
                  and len(c.get_paths())]
        if colors:
            assert len(set(colors)) == len(colors)  # distinct colours per action within an actor
        assert ax.get_ylabel() == "share of replicates"
    plt.close("all")


def test_binned_mean_replaces_the_overplotted_scatter():
    from alliance_sim.explore import plots, sweep

    sw = sweep("baseline", "lhs", n=40, seed=1, parameters=["rationality", "treaty_floor"],
               outcomes=["alliance_strength"])
    fig = plots.binned_mean(sw, "rationality", "treaty_floor", "alliance_strength", bins=4)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "rationality" and len(ax.texts) >= 1
    assert "mean over the other parameters" in ax.get_title()


# ----------------------------------------------------------------------------- honest sensitivity analysis
def _sobol_design(n=64, d=3, seed=1):
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0, 1]] * d}
    return problem, sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)


def test_seed_zero_gives_reproducible_intervals():
    from alliance_sim.explore.sensitivity import analyze

    problem, X = _sobol_design()
    Y = X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.1 * X[:, 0] * X[:, 2]
    one, two = analyze(problem, X, Y, seed=0), analyze(problem, X, Y, seed=0)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert not analyze(problem, X, Y, seed=1)["ST_conf"].equals(one["ST_conf"])


def test_a_too_rare_outcome_warns_in_one_line_and_in_the_manifest(tmp_path):
    from alliance_sim.explore.sensitivity import analyze

    problem, X = _sobol_design(n=128)
    Y = (X[:, 0] > 0.97).astype(float)  # about 3% of runs
    idx = analyze(problem, X, Y, seed=0)
    w = idx.attrs["warnings"]
    assert any("too rare" in line for line in w) and all("\n" not in line for line in w)
    good = analyze(problem, X, X[:, 0] + X[:, 1], seed=0)
    assert good.attrs["warnings"] == []
    out = tmp_path / "sens"
    r = cli("sensitivity", "baseline", "--outcome", "us_prk_deal > 0.5", "--samples", 4, "--parameter", "rationality",
            "--parameter", "treaty_floor", "--out", out, "--no-figures")
    assert r.returncode == 0, r.stderr
    man = json.loads((out / "manifest.json").read_text())
    printed = [line.removeprefix("warning: ") for line in r.stdout.splitlines() if line.startswith("warning: ")]
    assert printed and man["analysed"][0]["warnings"] == printed


def test_reference_tables_keep_lists_as_lists_and_sources_have_urls():
    assert all(isinstance(v, list) for v in a.claims()["actors"])
    assert all(isinstance(v, list) for v in a.parameters()["claims"])
    assert all(isinstance(v, list) for v in a.terms()["claims"])
    src = a.sources().set_index("id")
    articles = src[src["file"] != ""]
    assert len(articles) == 4
    for row in articles.itertuples():  # each article has its address, or says why it has none
        assert row.url.startswith("https://") or row.url_note, row.Index


@pytest.mark.parametrize("args", [
    ("compare", "baseline", "escalation", "-n", 4, "--chunk-size", 2, "--no-figures"),
    ("sweep", "baseline", "--samples", 4, "--parameter", "rationality", "--chunk-size", 2),
], ids=["compare", "sweep"])
def test_resume_is_accepted_everywhere_and_leaves_no_checkpoints(tmp_path, args):
    out = tmp_path / "o"
    r = cli(*args, "--resume", "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # no o.partial/ left behind
