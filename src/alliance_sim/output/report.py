"""One self-contained HTML file that says what a run found and what it rests on.

For people who will not open a terminal: ``alliance-sim report RUN_DIR``
writes ``report.html``, which opens in any browser, offline, and can be
mailed as it is. Figures are embedded PNGs (``data:`` URIs), the stylesheet
is inline, there is no JavaScript and nothing is fetched; the only web
addresses are the sources' own, as links a reader may follow.

The report holds what was run (scenario, events, parameters that differ
from their defaults, seed, replicates, solution concept, versions and
commit), the headline table with intervals, the figures of
``output.figures``, each actor's payoff broken into its cited terms at one
month (``output.explain``), and every claim it rests on with its source. A
``compare`` folder gives one section per scenario and the comparison table.

``build_report`` is a pure function of its inputs: the same results give the
same bytes (no clock, no random names). HTML is written by hand with
``html.escape``: a template engine (Jinja2) would be one more dependency for
a few fixed sections.
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from .._version import __version__
from ..domain.actors import ACTOR_NAMES, ACTORS, arenas_of
from ..domain.metrics import MAIN_METRICS, action_column
from ..domain.scenario import describe_event
from ..errors import UserError
from . import figures as F

LEVEL = 0.90  # every interval in the report: 90%
REPORT_DPI = 96  # figures are for a screen or a page, not a poster: keeps the file small
CONTEXT_REPLICATES = 200  # replicates re-run to give the state an explanation is computed at (as `explain`)
DEFAULT_MONTH = 12
GENERATOR = "alliance-sim report"  # the <meta name="generator"> of every report: how a report is recognised
FILE_NAME = "report.html"


# ----------------------------------------------------------------------------- numbers
def mean_interval(values, level: float = LEVEL) -> tuple[float, float]:
    """A ``level`` confidence interval of the mean of ``values`` across replicates.

    0/1 values (a share of replicates): the Wilson score interval. Otherwise
    Student's t interval, mean +- t * sd / sqrt(n), which the central limit
    theorem makes accurate at the hundreds of replicates a run has. NaN when
    there is a single replicate (a mean of one has no interval).
    """
    from scipy import stats

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = v.size
    if n < 2:
        return float("nan"), float("nan")
    z = float(stats.norm.ppf(0.5 + level / 2))
    if F.is_binary(v):
        lo, hi = F.wilson(v.mean(), n, z=z)
        return float(lo), float(hi)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    m = float(v.mean())
    return m - half, m + half


def headline(res, metrics=MAIN_METRICS):
    """The headline table: each metric at months 6, 12, 24 and the final month.

    Columns of ``Results.summary`` (``metric, month, final, mean, p05, p50,
    p95``: ``p05``-``p95`` is the band holding 90% of replicates) plus
    ``mean_low, mean_high``: the 90% interval of the mean (``mean_interval``).
    """
    df = res.trajectories
    metrics = [m for m in metrics if m in df.columns]
    table = res.summary(metrics)
    t = "month" if "month" in df.columns else "step"
    lows, highs = [], []
    for row in table.itertuples():
        lo, hi = mean_interval(df.loc[df[t] == row.month, row.metric])
        lows.append(lo)
        highs.append(hi)
    return table.assign(mean_low=lows, mean_high=highs)


def _decimals(values) -> int:
    """Decimals that show a metric's values to about three significant digits."""
    v = np.abs(np.asarray([x for x in values if np.isfinite(x)] or [0.0], dtype=float))
    top = float(v.max())
    return 0 if top >= 100 else 1 if top >= 10 else 2 if top >= 1 else 3


def _num(x, d: int = 3, sign: bool = False) -> str:
    if x is None or not np.isfinite(x):
        return "&mdash;"
    if abs(x) < 0.5 * 10 ** -d:
        x = 0.0  # no "-0.000"
    s = f"{x:+.{d}f}" if sign else f"{x:.{d}f}"
    return s.replace("-", "&minus;")


def _range(lo, hi, d: int) -> str:
    """``0.1–0.2``, or ``−0.3 to −0.1`` when a dash would read as a minus."""
    sep = " to " if (np.isfinite(lo) and lo < 0) or (np.isfinite(hi) and hi < 0) else "&ndash;"
    return f"{_num(lo, d)}{sep}{_num(hi, d)}"


def _month_label(start: str, month: int) -> str:
    """``Jun 2025``: the calendar month ``month`` is (month 1 is ``start``)."""
    d = np.datetime64(start, "M") + np.timedelta64(int(month) - 1, "M")
    y, m = str(d).split("-")
    return f"{('Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split())[int(m) - 1]} {y}"


# ----------------------------------------------------------------------------- small HTML helpers
def e(x) -> str:
    return html.escape(str(x), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", str(text).lower()).strip("-")


def claim_anchor(claim_id: str) -> str:
    return f"claim-{claim_id}"


def _claim_link(claim_id: str) -> str:
    return f'<a class="claim" href="#{e(claim_anchor(claim_id))}">{e(claim_id)}</a>'


def _claim_links(ids) -> str:
    return ", ".join(_claim_link(c) for c in ids)


def _with_claim_links(text: str, known) -> str:
    """Escape ``text`` and turn the claim ids it names into links to them."""
    out, pos = [], 0
    for m in re.finditer(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+", text):
        if m.group(0) in known:
            out += [e(text[pos:m.start()]), _claim_link(m.group(0))]
            pos = m.end()
    out.append(e(text[pos:]))
    return "".join(out)


def _figure(fig, alt: str, caption: str, fig_id: str) -> str:
    """A matplotlib figure as an embedded PNG with its caption; the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=REPORT_DPI, metadata={"Software": None})  # no version stamp: same bytes
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure id="{e(fig_id)}"><img src="data:image/png;base64,{data}" alt="{e(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>")


def _table(head: list[str], rows: list[list[str]], caption: str = "", cls: str = "") -> str:
    """A table from cells that are already HTML."""
    c = f' class="{cls}"' if cls else ""
    cap = f"<caption>{caption}</caption>" if caption else ""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{x}</td>" for x in r) + "</tr>" for r in rows)
    return f"<table{c}>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


# ----------------------------------------------------------------------------- what was run
def _run_overrides(res) -> dict:
    """The run's parameters that differ from the defaults: ``{name: value}`` (arrays kept as arrays)."""
    from ..domain.parameters import PARAMETERS

    out = {}
    for name, p in PARAMETERS.items():
        if name not in res.parameters:
            continue
        v = np.asarray(res.parameters[name], dtype=float)
        if v.ndim == 0 and float(v) == p.default:
            continue
        if v.ndim and np.all(v == p.default):
            continue
        out[name] = float(v) if v.ndim == 0 else v
    return out


def changed_parameters(res) -> list[str]:
    """Names of the run's parameters whose value differs from the default, in the parameter table's order."""
    return list(_run_overrides(res))


def _facts(res, man: dict) -> list[tuple[str, str]]:
    """The run's identity as (label, HTML) pairs: seed, replicates, solution, versions, commit, its date."""
    sc = res.scenario
    commit = man.get("commit")
    commit_text = (f"<code>{e(commit)}</code>" + (" (with uncommitted changes)" if man.get("dirty") else "")
                   if commit else "not recorded (run from an installed package)")
    libs = ", ".join(f"{k} {e(man[k])}" for k in ("python", "numpy", "scipy", "pandas", "mesa", "SALib",
                                                   "matplotlib") if man.get(k))
    rows = [
        ("scenario", f"<code>{e(sc.name)}</code>" + (f" (file SHA-256 <code>{e(man['scenario_sha256'][:16])}"
                                                      f"&hellip;</code>)" if man.get("scenario_sha256") else "")),
        ("months", f"{sc.horizon}, from {e(_month_label(sc.start, 1))} to {e(_month_label(sc.start, sc.horizon))}"),
        ("replicates", f"{res.replicates:,}"),
        ("seed", str(res.seed)),
        ("solution concept", e(F.SOLUTIONS.get(res.solution, res.solution)) + f" (<code>{e(res.solution)}</code>)"),
        ("alliance-sim", e(man.get("version", "unknown"))),
        ("git commit", commit_text),
    ]
    if libs:
        rows.append(("libraries", libs))
    if man.get("created"):
        rows.append(("run on", e(man["created"])))
    return rows


def _run_section(res, man: dict, known, pre: str) -> str:
    from ..domain.parameters import PARAMETERS

    sc = res.scenario
    facts = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in _facts(res, man))
    out = [f'<section id="{pre}run"><h2>What was run</h2>',
           f'<p class="description">{_with_claim_links(" ".join(sc.description.split()), known)}</p>',
           f'<table class="facts"><tbody>{facts}</tbody></table>']
    if sc.events:
        rows = [[f"{ev.month}", e(_month_label(sc.start, ev.month)), e(F.EVENT_NAMES.get(ev.kind, ev.kind)),
                 f"<code>{e(describe_event(ev))}</code>"] for ev in sorted(sc.events, key=lambda v: (v.month, v.kind))]
        out.append(_table(["month", "date", "event", "what it changes"], rows,
                          "Events: each acts from the first day of its month."))
    else:
        out.append("<p>No events: the world runs on from its starting state.</p>")
    changed = _run_overrides(res)
    if changed:
        rows = []
        for name, v in changed.items():
            p = PARAMETERS[name]
            value = (_num(v, 4).rstrip("0").rstrip(".") if np.ndim(v) == 0 else
                     f"per replicate, {float(np.min(v)):g} to {float(np.max(v)):g}")
            rows.append([f"<code>{e(name)}</code>", value, f"{p.default:g}", f"{p.low:g} to {p.high:g}", e(p.unit),
                         e(p.meaning), _claim_links(p.claims)])
        out.append(_table(["parameter", "value", "default", "range", "unit", "meaning", "claims"], rows,
                          "Parameters that differ from their defaults (all others are at their defaults; "
                          "<code>alliance-sim parameters</code> lists them).", cls="params"))
    else:
        out.append("<p>Every parameter is at its default (<code>alliance-sim parameters</code> lists them).</p>")
    if sc.precision:
        prec = ", ".join(f"{e(k)} &times;{v:g}" for k, v in sc.precision.items())
        out.append(f"<p>Precision of choice (multiplies the QRE rationality of one actor): {prec}.</p>")
    out.append("</section>")
    return "\n".join(out)


# ----------------------------------------------------------------------------- headline
def _headline_section(res, pre: str) -> str:
    table = headline(res)
    months = list(dict.fromkeys(table["month"]))
    final = int(table["month"].max())
    start = res.scenario.start
    head_top = '<tr><th rowspan="2">metric</th>' + "".join(
        f'<th colspan="2" class="group">month {m}{" (final)" if m == final else ""}<br>'
        f'<span class="sub">end of {e(_month_label(start, m))}</span></th>' for m in months) + "</tr>"
    head_sub = "<tr>" + "".join('<th class="num first">mean<br><span class="sub">90% CI of the mean</span></th>'
                                '<th class="num">90% band</th>' for _ in months) + "</tr>"
    body = []
    for metric in dict.fromkeys(table["metric"]):
        rows = table[table["metric"] == metric].set_index("month")
        binary = F.is_binary(res.trajectories[metric])
        d = 3 if binary else _decimals(rows[["mean", "p05", "p95"]].to_numpy().ravel())
        unit = F.unit(metric)
        cells = [f'<th class="metric">{e(F.name(metric))}<br><span class="sub">{e(unit) if unit else ""}'
                 f' <code>{e(metric)}</code></span></th>']
        for m in months:
            r = rows.loc[m]
            where = f'data-metric="{e(metric)}" data-month="{m}"'
            cells.append(f'<td class="num first"><span class="mean" {where} data-stat="mean" '
                         f'data-value="{float(r["mean"])!r}">{_num(r["mean"], d)}</span><br>'
                         f'<span class="ci" {where} data-stat="mean_interval" data-low="{float(r["mean_low"])!r}" '
                         f'data-high="{float(r["mean_high"])!r}">{_range(r["mean_low"], r["mean_high"], d)}</span></td>')
            cells.append(f'<td class="num band"><span {where} data-stat="band" data-low="{float(r["p05"])!r}" '
                         f'data-high="{float(r["p95"])!r}">{_range(r["p05"], r["p95"], d)}</span></td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = (f"The main metrics at months {', '.join(str(m) for m in months)} ({res.replicates:,} replicates). "
               "<b>mean</b> (bold): the mean across replicates (for a 0/1 metric, the share of replicates where it "
               "is 1). <b>90% CI of the mean</b> (beneath it): how precisely the replicates pin the mean down (Student's t interval; "
               "Wilson interval for a share); it narrows as replicates are added. "
               "<b>90% band</b>: the 5th to 95th percentile of replicates, the spread of outcomes the model gives; "
               "it does not narrow with more replicates.")
    return (f'<section id="{pre}headline"><h2>Headline numbers</h2><div class="scroll">'
            f'<table class="headline"><caption>{caption}</caption><thead>{head_top}{head_sub}</thead>'
            f'<tbody>{"".join(body)}</tbody></table></div></section>')


# ----------------------------------------------------------------------------- figures
def _figures_section(res, pre: str) -> str:
    df, info = res.trajectories, res.info()
    band = ("Blue lines: the median of replicates; dark band: the central 50% of replicates; light band: the "
            "central 90%.")
    share = ("Red lines (0/1 metrics such as a ceasefire in force or a deal reached): the share of replicates "
             "where it holds, with its 95% Wilson interval.")
    events = " Dotted vertical lines: the scenario's events, named at the top." if res.scenario.events else ""
    out = [f'<section id="{pre}figures"><h2>Figures</h2>',
           _figure(F.metrics_grid(df, info=info), "Fan charts of the main metrics over time",
                   f"<b>The main metrics over time.</b> {band} {share} Each point is the state at the end of its "
                   f"month.{events}", f"{pre}fig-main"),
           _figure(F.action_shares(df, info=info), "Each actor's action shares over time",
                   "<b>What each actor does.</b> Each month, the share of replicates in which the actor chose each "
                   "action (the stack adds to 1); actions of one family share a hue." + events, f"{pre}fig-actions"),
           _figure(F.payoffs_over_time(df, info=info), "Each actor's realised stage payoff over time",
                   f"<b>Each actor's realised stage payoff.</b> {band} Each actor is on its own scale: utilities "
                   "are not comparable across actors." + events, f"{pre}fig-payoffs"),
           "</section>"]
    return "\n".join(out)


# ----------------------------------------------------------------------------- explain
def check_month(month, horizon: int) -> int:
    """The explanation month: ``month``, or 12 (the horizon if shorter); 1 to ``horizon`` allowed."""
    if month is None:
        return min(DEFAULT_MONTH, int(horizon))
    try:
        ok = int(month) == month and 1 <= int(month) <= horizon
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UserError(f"month {month!r} outside the run; allowed: 1 to {horizon}", key="--month")
    return int(month)


def explain_context(res, month: int):
    """The state, parameters and modal actions each actor's explanation at ``month`` is computed at.

    The state is the mean, over the run's first replicates (at most 200: the
    same replicates as the run, since replicate ``i`` always draws the same
    stream), of the state as month ``month``'s games are played, after its
    events; the parameters include every event up to it (``explain``'s
    ``scenario_context``, with the run's solution concept and parameters).
    The actions are each actor's most common choice that month across all
    the run's replicates.
    """
    from ..abm.model import AllianceModel

    n = min(CONTEXT_REPLICATES, res.replicates)
    # a value per replicate (a sweep run as one batch): the first n, as those replicates ran
    overrides = {k: (v if np.ndim(v) == 0 else np.asarray(v)[:n]) for k, v in _run_overrides(res).items()}
    model = AllianceModel(res.scenario, replicates=n, seed=res.seed, overrides=overrides, solution=res.solution)
    model.run(month)
    before, params = model.solved_at
    state = {k: float(np.mean(v)) for k, v in before.as_dict().items()}
    df = res.trajectories
    t = "month" if "month" in df.columns else "step"
    at = df[df[t] == month]
    actions = {code: str(at[action_column(code)].value_counts(sort=False).idxmax()) for code in ACTORS}
    return state, params, actions, n


def _explain_actor(code: str, state, params, actions, pre: str) -> str:
    from ..domain.payoffs import terms_of
    from .explain import explain

    ex = explain(code, state, actions, params=params, figure=False)
    terms = {t.name: t for t in terms_of(code)}
    played = ex.profile[code]
    parts = [f'<section class="actor" id="{pre}explain-{code}"><h3>{e(ACTOR_NAMES[code])} ({code}): '
             f'plays <code>{e(played)}</code></h3>']
    for arena in arenas_of(code):
        if arena.when is not None and not state.get(arena.when, 0.0) > 0:
            continue  # not played this month (e.g. no Korean crisis)
        cols = [c for c in ex.by_action.columns if c.startswith(f"{arena.name}:")]
        acts = [c.split(":", 1)[1] for c in cols]
        sub = ex.by_action[cols].dropna(how="all")
        totals = sub.sum()
        best = int(np.argmax(totals.to_numpy()))
        chosen = [a for a in arena.actions_of(code) if a in played.split("; ")]
        mine = acts.index(chosen[0]) if chosen else None  # an unrecorded arena (crisis): no choice to mark
        head = ["term"] + [f'<span class="played">{e(a)}<br><span class="sub">played</span></span>' if i == mine
                           else e(a) for i, a in enumerate(acts)]
        rows = []
        for term, vals in sub.iterrows():
            tm = terms[term]
            rows.append([f'<b>{e(term)}</b> <span class="sub">{e(tm.meaning)}</span><br>'
                         f'<span class="cites">claims: {_claim_links(tm.claims)}</span>']
                        + [_term_value(v) for v in vals.to_numpy()])
        rows.append(["<b>value of the action</b> (the sum)"] + [
            f'<b class="num{" best" if i == best else ""}">{_num(v, 3, sign=True)}</b>'
            for i, v in enumerate(totals.to_numpy())])
        others = ", ".join(f"{c} {e(a)}" for c, a in ex.profile.items() if c != code and c in arena.players)
        who = (f"with the others in it playing their most common choice ({others})" if others else
               f"{code} deciding alone")
        cap = (f"<b>{e(arena.name)}</b> game: the value of each of {code}'s actions, term by term, {who}. "
               f"The best action's value is "
               + (f"underlined; the action {code} chose most often is marked <i>played</i>." if mine is not None else
                  f"underlined; the run does not record {code}'s choice in this game."))
        parts.append(f'<div class="scroll">{_table(head, rows, cap, cls="explain")}</div>')
    parts.append("</section>")
    return "\n".join(parts)


def _term_value(v) -> str:
    """A term's value in an action's column; a zero is muted, so the terms that matter stand out."""
    text = _num(v, 3, sign=True)
    if text in ("+0.000", "&minus;0.000"):
        return '<span class="num zero">0</span>'
    return f'<span class="num">{text}</span>'


def _explain_section(res, month: int, pre: str) -> str:
    state, params, actions, n = explain_context(res, month)
    sc = res.scenario
    intro = (f"<p>Why each actor chooses what it does in month {month} ({e(_month_label(sc.start, month))}). "
             f"Each table gives the value of each of the actor's own actions (its stage payoff with the others' "
             f"actions fixed), and the cited terms that add up to it: a positive term raises the action's "
             f"value, a negative one lowers it. The state is the mean of {n:,} replicates (the run's first, seed "
             f"{res.seed}) as that month's games are played; the others play the action they chose most often "
             f"that month across the run. An actor need not play its best action here: under the logit QRE "
             f"choices are noisy, and in the bargain the moves are made in turn, each player anticipating the "
             f"answers to its move. From a terminal, <code>alliance-sim explain PRK --scenario "
             f"{e(sc.name)} --month {month} --seed {res.seed}</code> gives one actor's breakdown the same way "
             f"(for the logit QRE, with the most common actions among those {CONTEXT_REPLICATES} replicates).</p>")
    body = "\n".join(_explain_actor(code, state, params, actions, pre) for code in ACTORS)
    return f'<section id="{pre}explain"><h2>Why the actors choose as they do: month {month}</h2>{intro}{body}</section>'


# ----------------------------------------------------------------------------- claims
def cited_claims(results_list) -> dict[str, list[str]]:
    """Every claim a report rests on, ``{id: [what cites it, ...]}``, ordered by id.

    The scenarios' own claims, the claims of each parameter that differs from
    its default, and the claims of every payoff term (they make every choice).
    """
    from ..domain.parameters import PARAMETERS
    from ..domain.payoffs import TERMS

    cited: dict[str, list[str]] = {}

    def add(ids, what):
        for c in ids:
            cited.setdefault(c, [])
            if what not in cited[c]:
                cited[c].append(what)

    for res in results_list:
        add(res.scenario.claims, f"scenario {res.scenario.name}")
        for name in _run_overrides(res):
            add(PARAMETERS[name].claims, f"parameter {name}")
        for ev in res.scenario.events:
            for name in ev.params:
                add(PARAMETERS[name].claims, f"parameter {name}")
    for t in TERMS:
        add(t.claims, f"term {t.actor} {t.name}")
    return dict(sorted(cited.items()))


def _claims_section(results_list) -> str:
    from ..domain.claims import get_claim, load_registry, seeds_dir

    sources, _ = load_registry(seeds_dir())
    cited = cited_claims(results_list)
    items = []
    for cid, by in cited.items():
        c = get_claim(cid)
        src_bits = []
        for sid in (c.source, *c.also_sources):
            s = sources[sid]
            where = (f' <a class="url" href="{e(s.url)}" rel="noreferrer">{e(s.url)}</a>' if s.url
                     else ' <span class="sub">(no web address known)</span>')
            author = "author not stated" if s.author.strip().lower() == "not stated" else s.author
            src_bits.append(f"<i>{e(s.title)}</i>, {e(s.outlet)}, {e(author)}, {e(s.date)}{where}")
        readings = ("<ul class=\"readings\">" + "".join(f"<li>{e(r)}</li>" for r in c.readings) + "</ul>"
                    if c.readings else "")
        items.append(
            f'<li id="{e(claim_anchor(cid))}"><p><code class="cid">{e(cid)}</code> <span class="kind">{e(c.kind)}'
            f'</span> {e(c.text)}</p>{readings}<p class="src">Source ({e(c.locator)}): {"; also ".join(src_bits)}'
            f'</p><p class="sub">Cited by: {e("; ".join(by))}</p></li>')
    intro = (f"<p>{len(cited)} claims from the analysis articles, in the project's own paraphrase "
             f"(<code>seeds/claims.toml</code>): those the scenario names, those behind the parameters it changes, "
             f"and those behind every payoff term. <i>contested</i> claims list the readings the model can "
             f"take.</p>")
    return f'<section id="claims"><h2>The claims it rests on</h2>{intro}<ol class="claims">{"".join(items)}</ol></section>'


# ----------------------------------------------------------------------------- comparison
def _diff_cell(diff, lo, hi, d: int, attrs: str) -> str:
    """A difference with its interval; bold when the interval leaves out zero (a difference chance does not
    explain)."""
    clear = np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0)
    mark = ' class="clear"' if clear else ""
    return (f'<span{mark} {attrs} data-diff="{float(diff)!r}" data-low="{float(lo)!r}" data-high="{float(hi)!r}">'
            f'{_num(diff, d, sign=True)}</span><br><span class="sub">{_range(lo, hi, d)}</span>')


def _comparison_section(comp) -> str:
    names = list(comp.results)
    ref = names[0]
    table = comp.table()
    m = int(table["month"].iloc[0])
    start = comp.results[ref].scenario.start
    metrics = list(dict.fromkeys(table["metric"]))
    t = table.set_index(["metric", "scenario"])
    head = ["metric", f"<code>{e(ref)}</code><br><span class=sub>reference: mean</span>"]
    for n in names[1:]:
        head += [f"<code>{e(n)}</code><br><span class=sub>mean</span>",
                 f"<code>{e(n)}</code><br><span class=sub>difference (90% CI)</span>"]
    rows = []
    for metric in metrics:
        vals = [float(t.loc[(metric, n), "mean"]) for n in names]
        d = 3 if all(F.is_binary(r.trajectories[metric]) for r in comp.results.values()) else _decimals(vals)
        cells = [f"{e(F.name(metric))}<br><span class=sub><code>{e(metric)}</code></span>"]
        for n, v in zip(names, vals):
            cells.append(f'<span class="num" data-metric="{e(metric)}" data-scenario="{e(n)}" '
                         f'data-value="{v!r}">{_num(v, d)}</span>')
            if n != ref:
                r = t.loc[(metric, n)]
                cells.append(_diff_cell(r["diff_from_first"], r["lo"], r["hi"], d,
                                        f'data-metric="{e(metric)}" data-scenario="{e(n)}" data-month="{m}"'))
        rows.append(cells)
    out = ['<section id="comparison"><h2>The scenarios compared</h2>',
           f"<p>All scenarios ran with the same seed and replicates, so replicate <i>i</i> of each draws the same "
           f"random numbers: a difference is estimated replicate by replicate (paired), which removes the noise "
           f"the runs share. A difference in <b>bold</b> has a 90% interval that leaves out zero.</p>",
           '<div class="scroll">' + _table(head, rows, f"Mean of each metric at month {m} (end of "
                                           f"{e(_month_label(start, m))}) per scenario, and its difference from "
                                           f"<code>{e(ref)}</code> with the 90% confidence interval of that "
                                           f"difference (paired t interval; Newcombe's paired interval for a 0/1 "
                                           f"metric).", cls="compare") + "</div>"]
    if hasattr(comp, "differences"):
        out.append(_differences(comp))
    out.append(_figure(comp.plot(), "The scenarios' main metrics on shared axes",
                       "<b>The scenarios on shared axes.</b> Lines: the median of replicates (0/1 metrics: the "
                       "share of replicates); bands: the central 50% of replicates (0/1 metrics: the 95% Wilson "
                       "interval of the share).", "fig-compare"))
    if hasattr(comp, "plot_differences"):
        out.append(_figure(comp.plot_differences(), "Each scenario's difference from the reference over time",
                           f"<b>Differences from <code>{e(ref)}</code> over time.</b> Lines: the mean paired "
                           f"difference; bands: its 90% confidence interval.", "fig-differences"))
    out.append("</section>")
    return "\n".join(out)


def _differences(comp) -> str:
    """Each scenario's paired difference from the reference at months 6, 12, 24 and the last, with intervals."""
    from .results import SUMMARY_MONTHS

    names = list(comp.results)
    horizon = min(int(r.scenario.horizon) for r in comp.results.values())
    months = sorted({m for m in SUMMARY_MONTHS if m <= horizon} | {horizon})
    d = comp.differences(months=months)
    start = comp.results[names[0]].scenario.start
    head = ["scenario", "metric"] + [f"month {m}<br><span class=sub>end of {e(_month_label(start, m))}</span>"
                                     for m in months]
    rows = []
    for (name, metric), g in d.groupby(["scenario", "metric"], sort=False):
        g = g.set_index("month")
        dec = 3 if all(F.is_binary(comp.results[n].trajectories[metric]) for n in (name, names[0])) else \
            _decimals(g[["diff", "lo", "hi"]].to_numpy().ravel())
        rows.append([f"<code>{e(name)}</code>", f"{e(F.name(metric))}"] + [
            _diff_cell(g.loc[m, "diff"], g.loc[m, "lo"], g.loc[m, "hi"], dec,
                       f'data-metric="{e(metric)}" data-scenario="{e(name)}" data-month="{m}"') for m in months])
    cap = (f"Paired difference from <code>{e(names[0])}</code> (scenario minus reference, replicate by replicate) "
           f"and, beneath it, its 90% confidence interval; bold where the interval leaves out zero. Every month: "
           f"<code>differences.csv</code> in the folder.")
    return '<div class="scroll">' + _table(head, rows, cap, cls="compare diffs") + "</div>"


# ----------------------------------------------------------------------------- the document
CSS = """
:root{--ink:#1d2733;--muted:#5b6673;--rule:#d5dbe1;--band:#f3f6f9;--accent:#1f5f99}
*{box-sizing:border-box}
body{font:15px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
 max-width:1180px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.9em;margin:.2em 0 .1em;line-height:1.2}
h2{font-size:1.35em;margin:2em 0 .6em;padding-bottom:.25em;border-bottom:2px solid var(--rule)}
h3{font-size:1.08em;margin:1.6em 0 .4em}
a{color:var(--accent)}
code{font:0.88em/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--band);padding:0 .25em;
 border-radius:3px}
.lede{color:var(--muted);margin:.2em 0 1em}
.description{font-size:1.02em;max-width:60em}
nav.toc{background:var(--band);border:1px solid var(--rule);border-radius:6px;padding:.6em 1em;margin:1em 0}
nav.toc ol{margin:.2em 0;padding-left:1.4em;columns:2}
.sub{color:var(--muted);font-size:.82em;font-weight:normal}
table{border-collapse:collapse;margin:.8em 0 1.2em;font-size:.9em}
caption{caption-side:bottom;text-align:left;color:var(--muted);font-size:.88em;padding:.5em .2em;max-width:70em}
th,td{padding:.35em .6em;border-bottom:1px solid var(--rule);vertical-align:top;text-align:left}
thead th{background:var(--band);border-bottom:2px solid #b9c2cc;font-weight:600}
tbody tr:nth-child(even){background:#fafbfc}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.facts th{width:11em;color:var(--muted);font-weight:600;background:none}
table.headline th.group{text-align:center;border-left:2px solid var(--rule)}
table.headline .first{border-left:2px solid var(--rule)}
table.headline .mean{font-weight:700;font-size:1.05em}
table.headline .ci{color:var(--muted);font-size:.85em}
table.headline td.band{color:#38434f}
table.headline th.metric{font-weight:600;background:none;min-width:13em}
table.params td:nth-child(6){min-width:16em}
table.explain td:first-child{min-width:20em;max-width:34em}
table.explain td:not(:first-child){text-align:right}
table.explain th:not(:first-child){text-align:right}
.zero{color:#b4bcc6}
table.compare .clear{font-weight:700}
table.compare td{text-align:right}
table.compare td:first-child,table.diffs td:nth-child(2){text-align:left}
.cites{font-size:.8em}
table.explain .played{font-weight:700}
table.explain .best{text-decoration:underline}
.scroll{overflow-x:auto}
figure{margin:1.2em 0 2em}
figure img{max-width:100%;height:auto;display:block;border:1px solid var(--rule)}
figcaption{color:var(--muted);font-size:.9em;margin-top:.4em;max-width:70em}
section.actor{border-top:1px dashed var(--rule)}
ol.claims{padding-left:0;list-style:none}
ol.claims li{padding:.5em .6em;border-bottom:1px solid var(--rule)}
ol.claims li:target{background:#fff6d6}
ol.claims p{margin:.15em 0}
.cid{font-weight:600}
.kind{font-size:.75em;text-transform:uppercase;letter-spacing:.04em;color:#fff;background:#6b7785;
 border-radius:3px;padding:.05em .4em;margin-right:.3em}
.src{font-size:.88em}
a.url{word-break:break-all}
footer{margin-top:3em;color:var(--muted);font-size:.85em;border-top:1px solid var(--rule);padding-top:.6em}
@media print{
 @page{size:A4;margin:14mm 12mm}
 body{font-size:10pt;max-width:none;padding:0}
 nav.toc{display:none}
 h2{break-before:auto;break-after:avoid}
 h3{break-after:avoid}
 table,figure,li,tr{break-inside:avoid}
 .scroll{overflow:visible}
 table{font-size:8pt}
 th,td{padding:.2em .35em}
 a{color:inherit;text-decoration:none}
 figure img{border:none}
 tbody tr:nth-child(even){background:none}
}
"""


def _manifest_of(res, manifests: dict | None, name: str) -> dict:
    """The run's manifest facts: from its folder when read from one, else this environment's (no clock)."""
    if manifests and name in manifests:
        return manifests[name]
    from .io import environment

    return {"scenario_sha256": res.scenario.content_hash, **environment()}


def _scenario_block(res, man, month, known, pre: str, level: int = 2) -> str:
    return "\n".join([_run_section(res, man, known, pre), _headline_section(res, pre), _figures_section(res, pre),
                      _explain_section(res, month, pre)])


def build_report(results_or_comparison, month: int | None = None, *, manifests: dict | None = None) -> str:
    """The report of a run (``Results``) or a ``Comparison`` as one self-contained HTML document.

    Parameters
    ----------
    results_or_comparison : Results or Comparison
    month : int, optional
        The month of the explanation of each actor's choice: 1 to the horizon
        (default 12, or the horizon if shorter).
    manifests : dict, optional
        ``{scenario name: manifest}`` of the folder(s) the results were read
        from (``write_report`` passes them): versions, commit, run date. Without
        it, the versions of this environment are shown and no date.

    Returns
    -------
    str
        The HTML text. The same inputs give the same text, byte for byte.
    """
    from ..domain.claims import claim_ids

    comp = results_or_comparison if isinstance(getattr(results_or_comparison, "results", None), dict) else None
    runs = dict(comp.results) if comp is not None else {results_or_comparison.scenario.name: results_or_comparison}
    horizon = min(int(r.scenario.horizon) for r in runs.values())
    month = check_month(month, horizon)
    known = claim_ids()
    first = next(iter(runs.values()))
    if comp is None:
        title = f"alliance-sim report: {first.scenario.name}"
        lede = (f"{first.replicates:,} replicates of the scenario <code>{e(first.scenario.name)}</code>, "
                f"{first.scenario.horizon} months from {e(_month_label(first.scenario.start, 1))}, seed "
                f"{first.seed}, {e(F.SOLUTIONS.get(first.solution, first.solution))}.")
        toc = [("run", "What was run"), ("headline", "Headline numbers"), ("figures", "Figures"),
               ("explain", f"Why the actors choose as they do (month {month})"), ("claims", "The claims it rests on")]
        body = _scenario_block(first, _manifest_of(first, manifests, first.scenario.name), month, known, "")
    else:
        title = f"alliance-sim report: {' vs '.join(runs)}"
        lede = (f"{len(runs)} scenarios compared, {first.replicates:,} replicates each, seed {first.seed}, "
                f"{e(F.SOLUTIONS.get(first.solution, first.solution))}.")
        toc = [("comparison", "The scenarios compared")] + [
            (f"s-{_slug(n)}-run", f"Scenario <code>{e(n)}</code>") for n in runs] + [
            ("claims", "The claims it rests on")]
        blocks = [_comparison_section(comp)]
        for name, res in runs.items():
            pre = f"s-{_slug(name)}-"
            blocks.append(f'<article class="scenario"><h1 class="scenario">Scenario <code>{e(name)}</code></h1>'
                          + _scenario_block(res, _manifest_of(res, manifests, name), month, known, pre)
                          + "</article>")
        body = "\n".join(blocks)
    nav = "".join(f'<li><a href="#{e(a)}">{t}</a></li>' for a, t in toc)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{GENERATOR} {e(__version__)}">',
        f"<title>{e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{e(title)}</h1><p class=\"lede\">{lede}</p></header>",
        f'<nav class="toc"><b>Contents</b><ol>{nav}</ol></nav>',
        body,
        _claims_section(list(runs.values())),
        f"<footer>Written by {GENERATOR} {e(__version__)}. Everything is in this one file: it needs no network "
        f"and no other file. The model, its parameters and its claims: <code>alliance-sim odd</code>.</footer>",
        "</body>",
        "</html>",
        "",
    ])


# ----------------------------------------------------------------------------- reading and writing
def _load(run_dir: Path):
    """``(Results or Comparison, {name: manifest})`` of a folder written by ``run`` or ``compare``."""
    from .results import Results, read_manifest

    if not run_dir.exists():
        raise UserError(f"{run_dir} does not exist; give a folder written by 'alliance-sim run' or 'compare'",
                        key="RUN_DIR")
    if not run_dir.is_dir():
        raise UserError(f"{run_dir} is a file; give a folder written by 'alliance-sim run' or 'compare'",
                        key="RUN_DIR")
    man = read_manifest(run_dir, ("run", "compare"))
    if man.get("kind") == "run":
        return Results.load(run_dir), {man["scenario"]: man}
    from .comparison import Comparison

    comp = Comparison.load(run_dir)
    mans = {}
    for name, sub in man["folders"].items():
        mans[name] = read_manifest(run_dir / sub)
    return comp, mans


def _ours(path: Path) -> bool:
    """Whether ``path`` is a report this command wrote (its generator tag, in the first lines)."""
    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR} '.encode() in head


def check_report_out(out: Path, overwrite: bool) -> Path:
    """Refuse an output file whose writing would lose data; called before any work.

    A report written earlier by this command is replaced only with
    ``overwrite``; any other existing file, a folder or a broken link is
    refused whatever ``overwrite`` says.
    """
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise UserError(f"{out} is a broken link; choose another file", key="--out")
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name such as {out / FILE_NAME}", key="--out")
    if out.exists():
        if not _ours(out):
            raise UserError(f"{out} exists and is not a report alliance-sim wrote; alliance-sim never replaces "
                            f"such a file: choose another name (nothing was changed)", key="--out")
        if not overwrite:
            raise UserError(f"{out} already holds a report; pass --overwrite to replace it, or choose another name",
                            key="--out")
    parent = out.parent
    if not parent.is_dir():
        raise UserError(f"{parent} is not an existing folder; create it or choose another --out", key="--out")
    return out


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and move it into place: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _list_in_manifest(run_dir: Path, out: Path) -> None:
    """Add a report written inside the results folder to its manifest's files: the folder stays ours
    (``--overwrite`` of the run may replace it; nothing else looks foreign)."""
    try:
        rel = out.resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        return  # written elsewhere
    path = run_dir / "manifest.json"
    man = json.loads(path.read_text())
    files = man.get("files")
    if isinstance(files, list) and rel not in files:
        man["files"] = sorted(files + [rel])
        _atomic_write(path, json.dumps(man, indent=2, default=str))


def write_report(run_dir, out=None, month: int | None = None, overwrite: bool = False) -> Path:
    """Write the report of a ``run`` or ``compare`` folder as one HTML file; returns its path.

    Parameters
    ----------
    run_dir : str or path
        A folder written by ``alliance-sim run`` or ``alliance-sim compare --out``.
    out : str or path, optional
        The file to write (default ``RUN_DIR/report.html``). An earlier
        report is replaced only with ``overwrite``; any other existing file
        is never replaced. The file is written whole or not at all.
    month : int, optional
        The month of the actors' explanations (default 12, or the horizon if shorter).
    """
    run_dir = Path(run_dir)
    out = Path(out) if out is not None else run_dir / FILE_NAME
    obj, manifests = _load(run_dir)
    runs = obj.results if isinstance(getattr(obj, "results", None), dict) else {"": obj}
    check_month(month, min(int(r.scenario.horizon) for r in runs.values()))
    check_report_out(out, overwrite)
    text = build_report(obj, month, manifests=manifests)
    check_report_out(out, overwrite)  # again: something may have appeared there while we worked
    _atomic_write(out, text)
    _list_in_manifest(run_dir, out)
    return out


def report(source, out=None, *, month: int | None = None, overwrite: bool = False):
    """The HTML report of a run or comparison: the public ``alliance_sim.report``.

    ``source`` is a folder written by ``run`` or ``compare`` (the report is
    written to ``out``, default ``FOLDER/report.html``; returns its path), or a
    ``Results``/``Comparison`` in memory (with ``out``, written there and its
    path returned; without, the HTML text is returned).

    >>> alliance_sim.report("results/ceasefire")                       # doctest: +SKIP
    PosixPath('results/ceasefire/report.html')
    >>> html = alliance_sim.report(alliance_sim.run("baseline", 200))   # doctest: +SKIP
    """
    if isinstance(source, (str, os.PathLike)):
        return write_report(source, out, month=month, overwrite=overwrite)
    if out is None:
        return build_report(source, month)
    out = check_report_out(Path(out), overwrite)
    text = build_report(source, month)
    check_report_out(out, overwrite)
    _atomic_write(out, text)
    return out
