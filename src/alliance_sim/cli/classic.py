"""``alliance-sim classic bdm|landscape|exchange|compare``: the classic models from the command line.

Every input (flags, ``--set`` overrides, ``--issue`` names, the output
folder) is checked before any work; a problem raises ``UserError`` with a
one-line ``file: key: what is allowed`` message. Output goes to a temporary
folder that is moved into place at the end; an existing non-empty ``--out``
is refused unless ``--overwrite``.

Examples::

    alliance-sim classic bdm --issue us_prk_deal --rounds 8
    alliance-sim classic bdm --example ec --probability paper       # the published EC case, printed formula
    alliance-sim classic landscape --example unix --pairs unordered
    alliance-sim classic exchange --issue tech_transfer --issue sanctions_relief
    alliance-sim classic compare --replicates 200 --seed 1 --out results/classic/compare
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import UserError

__all__ = ["add_commands", "add_parser", "run"]

FIGURE_FORMATS = ("png", "pdf", "svg")


def _int_at_least(lo):
    def conv(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {s!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {s!r}")
        return v
    return conv


def _unit_float(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {s!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {s!r}")
    return v


def _common(p, default_out):
    p.add_argument("--inputs", default=None, metavar="TOML",
                   help="the six actors' inputs (default: seeds/classic_inputs.toml)")
    p.add_argument("--set", dest="sets", action="append", metavar="KEY=VALUE",
                   help="override an input (repeatable): ISSUE.ACTOR.position|salience|capability=V, "
                        "landscape.size.ACTOR=V, landscape.propensity.A-B=V")
    p.add_argument("--out", default=None, help=f"output folder (default {default_out})")
    p.add_argument("--overwrite", action="store_true", help="replace results alliance-sim wrote earlier in --out (never other files)")
    p.add_argument("--figure-format", choices=FIGURE_FORMATS, default="png", help="figure file format (default png)")
    p.add_argument("--no-figures", action="store_true", help="write tables only")


def add_parser(subparsers):
    """Add ``classic`` with sub-commands ``bdm``, ``landscape``, ``exchange``, ``compare``."""
    p = subparsers.add_parser("classic", help="classic political-science models on the six actors "
                                              "(expected utility, landscape, exchange) and a side-by-side "
                                              "with the agent-based model")
    sub = p.add_subparsers(dest="classic_command", metavar="MODEL", parser_class=type(p))
    sub.required = True

    b = sub.add_parser("bdm", help="Bueno de Mesquita's expected-utility model, round by round")
    b.add_argument("--issue", action="append", default=None,
                   help="issue id (repeatable; default: every issue in the inputs)")
    b.add_argument("--example", choices=("ec",), default=None,
                   help="run a published case instead: 'ec' = Bueno de Mesquita's EC emission standards "
                        "(Scholz et al. 2011, Table 1)")
    b.add_argument("--rounds", type=_int_at_least(0), default=8, help="rounds (default 8)")
    b.add_argument("--q", type=_unit_float, default=1.0, help="status-quo probability Q (default 1)")
    b.add_argument("--probability", choices=("code", "paper"), default="code",
                   help="win-probability denominator: Scholz et al.'s code (default) or the printed formula")
    b.add_argument("--compromise", choices=("code", "least_move"), default="code",
                   help="which compromise offer is accepted (default: the code's special case)")
    b.add_argument("--perspective", choices=("perceiver", "own"), default="perceiver",
                   help="whose risk exponent evaluates the other's expected utility")
    b.add_argument("--no-capitulation", action="store_true", help="capitulation octant does not move actors")
    _common(b, "results/classic/bdm")
    b.set_defaults(func=run)

    la = sub.add_parser("landscape", help="Axelrod & Bennett's landscape theory: minima and basins")
    la.add_argument("--example", choices=("unix",), default=None,
                    help="run a published case instead: 'unix' = the nine Unix firms (Axelrod & Bennett 1993)")
    la.add_argument("--pairs", choices=("ordered", "unordered"), default="ordered",
                    help="energy convention: sum over ordered pairs (the paper's, default) or unordered pairs")
    la.add_argument("--rule", choices=("steepest", "first"), default="steepest",
                    help="which improving switch the myopic dynamics makes (default steepest)")
    _common(la, "results/classic/landscape")
    la.set_defaults(func=run)

    e = sub.add_parser("exchange", help="Stokman & Van Oosten's exchange model (equal-gain rule)")
    e.add_argument("--issue", action="append", default=None,
                   help="issue id (repeatable, at least two; default: every issue)")
    e.add_argument("--rounds", type=_int_at_least(1), default=1, help="rounds of exchange (default 1)")
    _common(e, "results/classic/exchange")
    e.set_defaults(func=run)

    c = sub.add_parser("compare", help="classic forecasts beside the agent-based model's ensemble")
    c.add_argument("--scenario", default="baseline", help="ABM scenario (default baseline)")
    c.add_argument("--replicates", "-n", type=_int_at_least(2), default=200, help="ABM replicates (default 200)")
    c.add_argument("--seed", type=_int_at_least(0), default=0, help="ABM seed (default 0)")
    c.add_argument("--month", type=_int_at_least(1), default=36, help="ABM month compared (default 36)")
    c.add_argument("--rounds", type=_int_at_least(0), default=8, help="rounds of the expected-utility model")
    _common(c, "results/classic/compare")
    c.set_defaults(func=run)
    p.set_defaults(func=run)
    return p


def _parse_sets(items) -> dict:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"expected KEY=VALUE, got {item!r}", key="--set")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise UserError(f"{key.strip()}: expected a number, got {value.strip()!r}", key="--set") from None
    return out


def _check_out(out: Path, overwrite: bool):
    """The same rule as every command: never lose a file (``output.io.check_out``)."""
    from ..output.io import check_out

    check_out(out, overwrite)


def _inputs(args):
    from ..classic.inputs import apply_overrides, load_inputs

    inp = load_inputs(args.inputs)
    return apply_overrides(inp, _parse_sets(args.sets))


def _issues(inp, wanted, min_count=1, flag="--issue"):
    if not wanted:
        return inp.issue_ids
    bad = [w for w in wanted if w not in inp.issues]
    if bad:
        raise UserError(f"unknown issue(s) {bad}; allowed: {', '.join(inp.issues)}", key=flag)
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) < min_count:
        raise UserError(f"needs at least {min_count} different issues", key=flag)
    return wanted


def run(args) -> int:
    """Run ``alliance-sim classic ...``; returns the exit status (0)."""
    cmd = getattr(args, "classic_command", None)
    if cmd not in ("bdm", "landscape", "exchange", "compare"):
        raise UserError("choose a model: bdm, landscape, exchange or compare", key="classic")
    # --- check everything first -------------------------------------------------
    out = Path(args.out or f"results/classic/{cmd}")
    _check_out(out, args.overwrite)
    uses_inputs = not (cmd in ("bdm", "landscape") and getattr(args, "example", None))
    if not uses_inputs and args.sets:
        raise UserError("overrides apply to the six actors' inputs, not to a published example", key="--set")
    inp = _inputs(args) if uses_inputs else None
    issues = None
    if cmd == "bdm" and uses_inputs:
        issues = _issues(inp, args.issue)
    elif cmd == "bdm" and args.issue:
        raise UserError("--issue does not apply to --example", key="--issue")
    elif cmd == "exchange":
        issues = _issues(inp, args.issue, min_count=2)
    # --- work in a temporary folder, moved into place at the end (output.io.atomic_dir) --------
    from ..output.io import PACKAGE, atomic_dir

    with atomic_dir(out, overwrite=args.overwrite) as tmp:
        manifest = {"package": PACKAGE, "command": f"classic {cmd}", "argv": sys.argv[1:],
                    "inputs": inp.path if inp else None, "overrides": _parse_sets(args.sets)}
        text = globals()[f"_run_{cmd}"](args, inp, issues, tmp, manifest)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    print(text)
    print(f"wrote {out}/")
    return 0


def _fig(args, fig, folder: Path, name: str):
    from ..classic import figures

    if args.no_figures:
        import matplotlib.pyplot as plt

        plt.close(fig)
        return
    (folder / "figures").mkdir(exist_ok=True)
    figures.save(fig, folder / "figures" / f"{name}.{args.figure_format}", fmt=args.figure_format)


def _run_bdm(args, inp, issues, tmp, manifest):
    import pandas as pd

    from ..classic import bdm, compromise, figures

    opts = dict(rounds=args.rounds, q=args.q, probability=args.probability, compromise=args.compromise,
                perspective=args.perspective, capitulation=not args.no_capitulation)
    manifest["options"] = opts
    cases = ([("ec_emissions", bdm.ec_emissions_example())] if args.example == "ec"
             else [(iid, inp.table(iid)) for iid in issues])
    lines, rounds_tables, summary = [], [], []
    for name, table in cases:
        res = bdm.bdm(table, **opts)
        rt = res.table().assign(issue=name)
        rounds_tables.append(rt)
        res.positions_frame().assign(issue=name).to_csv(tmp / f"positions_{name}.csv", index=False)
        res.moves_frame().assign(issue=name).to_csv(tmp / f"moves_{name}.csv", index=False)
        summary.append(dict(issue=name, weighted_mean=compromise.weighted_mean(table),
                            weighted_median=compromise.weighted_median(table),
                            bdm_forecast=res.final_median, bdm_mean=res.final_mean))
        lines.append(f"{name}: forecast (weighted median after round {res.rounds}) = {res.final_median:.4g}; "
                     f"by round: " + ", ".join(f"{m:.3g}" for m in res.median))
        _fig(args, figures.bdm_figure(res, title=f"Expected-utility model: {name}",
                                      ylabel="position (years)" if args.example == "ec" else "position (0..1)"),
             tmp, f"bdm_{name}")
    pd.concat(rounds_tables).to_csv(tmp / "rounds.csv", index=False)
    pd.DataFrame(summary).to_csv(tmp / "summary.csv", index=False)
    return "\n".join(lines)


def _run_landscape(args, inp, issues, tmp, manifest):
    from ..classic import figures, landscape

    if args.example == "unix":
        names, s, p = landscape.unix_example()
        name = "unix"
    else:
        names, s, p = inp.landscape_arrays()
        name = "six_actors"
    res = landscape.landscape(s, p, names, pairs=args.pairs, rule=args.rule)
    manifest["options"] = dict(pairs=args.pairs, rule=args.rule, case=name)
    tab = res.table()
    tab.to_csv(tmp / "minima.csv", index=False)
    import pandas as pd

    pd.DataFrame({"config": [" | ".join(" ".join(x) for x in res.sides(r)) for r in range(len(res.configs))],
                  "energy": res.energies, "basin": res.basin}).to_csv(tmp / "configurations.csv", index=False)
    _fig(args, figures.landscape_figure(res, title=f"Landscape theory: {name}"), tmp, f"landscape_{name}")
    return tab.to_string(index=False)


def _run_exchange(args, inp, issues, tmp, manifest):
    from ..classic import exchange, figures

    res = exchange.exchange_model(inp.long_table(issues), rounds=args.rounds)
    manifest["options"] = dict(rounds=args.rounds, issues=issues)
    ex = res.exchanges_frame()
    ex.to_csv(tmp / "exchanges.csv", index=False)
    res.outcomes_frame().to_csv(tmp / "outcomes.csv", index=False)
    for r in range(1, args.rounds + 1):
        _fig(args, figures.exchange_figure(res, round=r), tmp, f"exchange_round{r}")
    if ex.empty:
        return "no exchange is possible"
    cols = ["round", "demander", "supplier", "issue_p", "issue_q", "supplier_from", "supplier_to",
            "demander_from", "demander_to", "gain"]
    return ex[cols].round(4).to_string(index=False)


def _run_compare(args, inp, issues, tmp, manifest):
    from ..classic import figures
    from ..classic.sidebyside import side_by_side

    manifest["options"] = dict(scenario=args.scenario, replicates=args.replicates, seed=args.seed,
                               month=args.month, bdm_rounds=args.rounds)
    tab = side_by_side(inp, scenario=args.scenario, replicates=args.replicates, seed=args.seed,
                       month=args.month, bdm_rounds=args.rounds)
    tab.to_csv(tmp / "side_by_side.csv", index=False)
    (tmp / "side_by_side.md").write_text(markdown_table(tab) + "\n")
    _fig(args, figures.side_by_side_figure(tab), tmp, "side_by_side")
    return markdown_table(tab)


def markdown_table(tab) -> str:
    """The side-by-side table as Markdown (as pasted into the README)."""
    head = ("| issue | weighted mean | weighted median | BDM | exchange (round 1) | ABM, month 36 [90% interval] "
            "| agree | ABM metric |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = [head]
    for r in tab.itertuples():
        rows.append(f"| `{r.issue}` | {r.weighted_mean:.2f} | {r.weighted_median:.2f} | {r.bdm:.2f} | "
                    f"{r.exchange:.2f} | {r.abm:.3f} [{r.abm_low:.3f}, {r.abm_high:.3f}] | {r.agree} | {r.mapping} |")
    return "\n".join(rows)


def add_commands(sub) -> None:
    """Register ``classic`` with the CLI's subparsers (as every command group does)."""
    add_parser(sub)
