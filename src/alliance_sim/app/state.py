"""The app's logic, without any user interface: widget values in, checked run arguments and display tables out.

Everything the page shows or runs goes through here, so it is tested
without a browser (``tests/test_app.py``): the checks use the library's own
validation, so a bad value gets the one-line ``UserError`` message the
library (and the command line) gives; runs go through ``ensemble.run``, so
the app's numbers are the library's numbers for the same scenario, seed,
replicates and overrides.
"""
from __future__ import annotations

import functools
import html
import io
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..domain.actors import ACTORS, ACTOR_NAMES
from ..domain.metrics import MAIN_METRICS
from ..domain.parameters import PARAMETERS, Parameter, check_value
from ..domain.scenario import Scenario, load_scenario, shipped
from ..engine.executors import Executor
from ..errors import UserError

MAX_REPLICATES = 10_000  # what the app runs in about ten seconds; more belongs on the command line
DEFAULT_REPLICATES = 1_000
SHOWN_PARAMETERS = 12  # parameter rows shown at once (the table has over a hundred: search narrows it)
EVENT_NAMES = {"ceasefire": "ceasefire", "us_offer": "US offer", "russia_mediates": "Russia mediates",
               "kor_government": "new South Korean government", "troop_wave": "PRK troop wave",
               "korean_crisis": "Korean crisis", "set": "parameter change"}


# ----------------------------------------------------------------------------- scenarios, claims, parameters
def scenario_names() -> list[str]:
    """The shipped scenarios (composed ones included: whatever ``shipped()`` lists)."""
    return shipped()


@functools.lru_cache(maxsize=64)
def scenario(name: str) -> Scenario:
    """A shipped scenario by name (cached: the page asks for it on every render)."""
    return load_scenario(name)


@functools.lru_cache(maxsize=1)
def claim_texts() -> dict[str, str]:
    """Claim id -> the project's paraphrase of it (``alliance_sim.claims()``)."""
    from ..domain.claims import claims

    return dict(zip(claims()["id"], claims()["text"]))


def claim_text(claim_id: str) -> str:
    return claim_texts().get(claim_id, "(not in the registry)")


def scenario_value(sc: Scenario, name: str) -> float:
    """A parameter's value in a scenario: the file's value, else the table's default."""
    return float(sc.parameters.get(name, PARAMETERS[name].default))


def find_parameters(query: str, sc: Scenario, changed=(), limit: int = SHOWN_PARAMETERS) -> tuple[list[Parameter], int]:
    """Parameters to show: changed ones first, then those matching every word of ``query`` (name or meaning).

    With no query, the scenario's own parameters and the US offer come first.
    Returns the rows (at most ``limit`` beyond the changed ones) and how many matched.
    """
    words = query.lower().split()
    matches = [p for p in PARAMETERS.values()
               if all(w in f"{p.name} {p.meaning} {p.unit}".lower() for w in words)]
    if not words:
        first = [n for n in sc.parameters if n in PARAMETERS] + [n for n in PARAMETERS if n.startswith("offer_")]
        order = {n: i for i, n in enumerate(dict.fromkeys(first))}
        matches.sort(key=lambda p: order.get(p.name, len(order)))
    pinned = [PARAMETERS[n] for n in changed if n in PARAMETERS]
    rest = [p for p in matches if p.name not in changed]
    return pinned + rest[:limit], len(matches)


def check_parameter(name: str, text) -> float:
    """The value typed for a parameter, checked as the library checks an override (``UserError`` if bad)."""
    value = check_value(name, str(text).strip())
    return float(value)


def step_of(p: Parameter) -> float:
    """A slider step: about a hundredth of the range, rounded to 1, 2 or 5 times a power of ten."""
    import math

    raw = (p.high - p.low) / 100
    power = 10 ** math.floor(math.log10(raw))
    return min((m * power for m in (1, 2, 5, 10)), key=lambda s: abs(s - raw))


# ----------------------------------------------------------------------------- events
def event_label(ev) -> str:
    """What an event does, in a few words (``PRK troop wave: +3 thousand troops``)."""
    name = EVENT_NAMES.get(ev.kind, ev.kind)
    if ev.kind == "us_offer":
        parts = ", ".join(f"{k.removeprefix('offer_')} {v:g}" for k, v in ev.params.items())
        return f"{name}: {parts}"
    if ev.kind == "russia_mediates":
        return f"{name}: channel {ev.params.get('mediation_channel', 1):g}"
    if ev.kind == "kor_government":
        return f"{name}: engagement stance {ev.state_set.get('kor_stance', 0):g}"
    if ev.kind == "troop_wave":
        return f"{name}: +{ev.state_add.get('prk_troops_in_russia', 0):g} thousand troops"
    if ev.kind == "korean_crisis":
        scope = "beyond PRK's borders" if ev.state_set.get("crisis_scope") else "within PRK's borders"
        return f"{name} ({scope}) for {(ev.until or ev.month + 1) - ev.month} months"
    if ev.kind == "set":
        return f"{name}: " + ", ".join(f"{k} = {v:g}" for k, v in ev.params.items())
    return name


def event_keys(sc: Scenario) -> list[str]:
    """Each event's key, in the scenario's order: the name ``Scenario.retimed`` moves it by."""
    return [t.key for t in sc.timing] if sc.timing else [e.key or e.kind for e in sc.events]


def event_timing(sc: Scenario, key: str) -> str:
    """How an event is timed in its file: ``month 4``, or ``6 months after ceasefire``."""
    t = next((t for t in sc.timing if t.key == key), None)
    if t is not None and t.after:
        return f"{t.months or 0} months after {t.after}"
    return "fixed month"


def _as_month(text):
    """A month typed: the whole number it names, else the text (``retimed`` then says what is allowed)."""
    try:
        value = float(str(text).strip())
        if value == int(value):
            return int(value)
    except (TypeError, ValueError, OverflowError):
        pass
    return str(text)


def retimed(sc: Scenario, months: dict[str, str]) -> Scenario:
    """The scenario with events moved (event key -> month typed), by the library's ``Scenario.retimed``.

    Events timed after a moved one move with it. Months equal to the
    current ones change nothing (the scenario itself is returned, so a run
    is exactly ``run(name)``). A bad month raises the library's ``UserError``
    (``retimed.KEY: month 40; allowed: a whole number from 1 to 36``).
    """
    current = dict(zip(event_keys(sc), (e.month for e in sc.events)))
    wanted = {k: _as_month(v) for k, v in months.items() if _as_month(v) != current.get(k)}
    if not wanted:
        return sc
    return sc.retimed(wanted)


def event_months(sc: Scenario, months: dict[str, str]) -> dict[str, int]:
    """Each event's month after moving (key -> month), or the scenario's own where the moves are not valid."""
    try:
        moved = retimed(sc, months)
    except UserError:
        moved = sc
    return dict(zip(event_keys(moved), (e.month for e in moved.events)))


# ----------------------------------------------------------------------------- run arguments
@dataclass(frozen=True)
class RunSpec:
    """Everything a run needs, checked: the same arguments ``alliance_sim.run`` takes."""

    scenario: Scenario
    replicates: int
    seed: int
    overrides: dict = field(default_factory=dict)
    reference: str | None = None
    moved: dict = field(default_factory=dict)  # event key -> month, as passed to Scenario.retimed

    def call(self) -> str:
        """The equivalent library call, for the page and the download (``alliance_sim.run(...)``)."""
        ov = ", ".join(f"{k!r}: {v:g}" for k, v in self.overrides.items())
        sc = self.scenario
        what = repr(sc.name)
        if self.moved:
            what = f"alliance_sim.load_scenario({sc.name!r}).retimed({self.moved!r})"
        return (f"alliance_sim.run({what}, replicates={self.replicates}, seed={self.seed}"
                + (f", overrides={{{ov}}}" if ov else "") + ")")


def check_whole(text, lo: int, hi: int | None, key: str, why: str = "") -> int:
    """A whole number typed in a field, within ``[lo, hi]``; ``UserError`` (one line) otherwise."""
    allowed = f"{lo:,} to {hi:,}" if hi is not None else f"{lo:,} or more"
    try:
        value = float(str(text).replace(",", "").strip())
        ok = value == int(value) and lo <= value and (hi is None or value <= hi)
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise UserError(f"{str(text)[:30]!r} not allowed; allowed: a whole number from {allowed}{why}", key=key)
    return int(value)


def build_spec(name: str, replicates, seed, values: dict[str, str], months: dict[str, str],
               reference: str | None = None) -> tuple[RunSpec | None, dict[str, str]]:
    """Check every field; return the run's spec, or ``None`` and each bad field's message.

    ``values``: parameter name -> text typed (only the changed ones);
    ``months``: event key -> month typed. Error keys: ``scenario``,
    ``replicates``, ``seed``, ``reference``, ``param:NAME``, ``event:KEY``
    (a moved event), ``events`` (a timing problem of another event).
    """
    errors: dict[str, str] = {}
    try:
        sc = scenario(name)
    except UserError as e:
        return None, {"scenario": str(e)}
    try:
        n = check_whole(replicates, 1, MAX_REPLICATES, "replicates", " in the app (use alliance-sim run for more)")
    except UserError as e:
        errors["replicates"] = str(e)
    try:
        s = check_whole(seed, 0, None, "seed")
    except UserError as e:
        errors["seed"] = str(e)
    overrides = {}
    for pname, text in values.items():
        try:
            overrides[pname] = check_parameter(pname, text)
        except UserError as e:
            errors[f"param:{pname}"] = str(e)
    try:
        sc = retimed(sc, months)
    except UserError as e:
        errors[event_error_key(e, sc)] = str(e)
    if reference and reference not in scenario_names():
        errors["reference"] = f"reference: unknown scenario {reference!r}; allowed: {', '.join(scenario_names())}"
    if errors:
        return None, errors
    base = dict(zip(event_keys(scenario(name)), (e.month for e in scenario(name).events)))
    moved = {k: _as_month(v) for k, v in months.items() if _as_month(v) != base.get(k)}
    return RunSpec(sc, n, s, overrides, reference or None, moved), {}


def event_error_key(e: UserError, sc: Scenario) -> str:
    """Which field a timing error belongs to: ``event:KEY`` when it names a moved event, else ``events``."""
    key = (e.key or "").removeprefix("retimed.")
    return f"event:{key}" if key in event_keys(sc) else "events"


# ----------------------------------------------------------------------------- running
class Cancelled(Exception):
    """The user stopped the run (raised between months of a chunk; nothing is kept)."""


class ProgressExecutor(Executor):
    """The serial executor, reporting progress month by month and stopping when asked.

    ``ensemble.run`` hands a serial executor one task per chunk with a
    per-month callback; this one wraps that callback to report the share of
    runs done (``progress(fraction)``) and to raise ``Cancelled`` as soon as
    ``cancelled()`` is true. The chunks are the same as ``run``'s own serial
    executor computes, so the results are bitwise the same.
    """

    name = "serial"

    def __init__(self, progress: Callable[[float], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, total: int | None = None, done: int = 0):
        super().__init__(1)
        self.progress = progress or (lambda f: None)
        self.cancelled = cancelled or (lambda: False)
        self.total, self.done = total, done

    def map_unordered(self, fn, tasks):
        tasks = list(tasks)
        total = self.total or sum(t[0].runs for t in tasks)
        for i, (job, *rest) in enumerate(tasks):
            inner = rest[0] if rest else None
            months = max(job.months or [job.scenario.horizon])

            def on_month(m, job=job, inner=inner, months=months):
                if inner is not None:
                    inner(m)
                if self.cancelled():
                    raise Cancelled()
                self.progress(min(1.0, (self.done + job.runs * m / months) / total))

            if self.cancelled():
                raise Cancelled()
            result = fn(job, on_month)
            self.done += job.runs
            yield i, result


def run(spec: RunSpec, progress=None, cancelled=None):
    """Run the spec (and its reference scenario, on the same seed): ``(Results, reference Results or None)``.

    ``progress(fraction)`` is called as months finish; ``cancelled()`` is
    polled each month and stops the run with ``Cancelled``.
    """
    from ..ensemble import run as run_ensemble

    total = spec.replicates * (2 if spec.reference else 1)
    ex = ProgressExecutor(progress, cancelled, total=total)
    res = run_ensemble(spec.scenario, spec.replicates, spec.seed, spec.overrides, executor=ex)
    ref = None
    if spec.reference:
        ref = run_ensemble(spec.reference, spec.replicates, spec.seed, executor=ex)
    return res, ref


class Runner:
    """One run at a time in a background thread, with progress and cancel (for tests and plain Python).

    The page uses Solara's task machinery instead; both call ``run``.
    """

    def __init__(self):
        self.progress = 0.0
        self.result = None
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, spec: RunSpec) -> None:
        self._stop.clear()
        self.progress, self.result, self.error = 0.0, None, None

        def work():
            try:
                self.result = run(spec, lambda f: setattr(self, "progress", f), self._stop.is_set)
            except BaseException as e:  # noqa: BLE001 - reported to the page, never raised in a server thread
                self.error = e

        self._thread = threading.Thread(target=work, daemon=True, name="alliance-sim-app-run")
        self._thread.start()

    def cancel(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()


# ----------------------------------------------------------------------------- display
def headline(res, metrics=MAIN_METRICS, month: int | None = None):
    """Mean, 5%, median and 95% of each main metric at ``month`` (default: the final month), with names."""
    from ..output import figures

    df = res.summary(list(metrics))
    m = int(df["month"].max()) if month is None else int(month)
    rows = df[df["month"] == m].set_index("metric").loc[list(metrics)]
    out = rows[["mean", "p05", "p50", "p95"]].copy()
    out.insert(0, "unit", [figures.unit(k) for k in out.index])
    out.insert(0, "name", [figures.name(k) for k in out.index])
    out.attrs["month"] = m
    return out


def signed(x: float) -> str:
    """A term's value with its sign, three decimals; 0 for what rounds to zero (no ``-0.000``)."""
    return "0" if abs(x) < 5e-4 else f"{x:+.3f}"


def fmt(x: float) -> str:
    """A number as the page shows it: three decimals."""
    return f"{x:.3f}"


def headline_html(res, month: int | None = None) -> str:
    """The headline table as HTML; each mean cell has ``data-testid="mean-METRIC"``."""
    t = headline(res, month=month)
    m = t.attrs["month"]
    e = html.escape
    rows = "".join(
        f"<tr><td title='{e(k)}'>{e(r['name'])}</td><td class='unit'>{e(r['unit'])}</td>"
        f"<td class='num' data-testid='mean-{e(k)}'>{fmt(r['mean'])}</td><td class='num'>{fmt(r['p05'])}</td>"
        f"<td class='num'>{fmt(r['p50'])}</td><td class='num'>{fmt(r['p95'])}</td></tr>"
        for k, r in t.iterrows())
    return (f"<table class='as-table' data-testid='headline' data-month='{m}'><thead><tr>"
            f"<th>metric at month {m}</th><th>unit</th><th>mean</th><th>5%</th><th>median</th><th>95%</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>")


def differences(res, ref, label: str, level: float = 0.9, month: int | None = None):
    """Paired differences (yours - reference) of the main metrics at ``month`` with ``level`` intervals."""
    from ..output.comparison import Comparison

    ref_name = ref.scenario.name
    comp = Comparison({label: res, ref_name: ref})
    m = min(res.months, ref.months) if month is None else int(month)  # the last month both have
    return comp, comp.differences(months=[m], level=level, reference=ref_name)


def differences_html(diffs) -> str:
    """The differences table as HTML: difference, interval, and whether the interval covers zero."""
    from ..output import figures

    e = html.escape
    rows = []
    for _, r in diffs.iterrows():
        verdict = "within chance (covers 0)" if r["covers_zero"] else ("higher" if r["diff"] > 0 else "lower")
        rows.append(f"<tr><td>{e(figures.name(r['metric']))}</td>"
                    f"<td class='num' data-testid='diff-{e(r['metric'])}'>{r['diff']:+.3f}</td>"
                    f"<td class='num'>[{r['lo']:+.3f}, {r['hi']:+.3f}]</td><td>{e(verdict)}</td>"
                    f"<td class='num'>{int(r['n']):,}</td></tr>")
    if diffs.empty:
        return "<p>No differences.</p>"
    first = diffs.iloc[0]
    return (f"<table class='as-table' data-testid='differences'><thead><tr><th>metric at month {int(first['month'])}"
            f"</th><th>yours &minus; {e(str(first['reference']))}</th><th>90% interval</th><th>reading</th>"
            f"<th>pairs</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def png(fig, dpi: int = 90) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed: the server keeps no figures)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue()


def timeline_figure(sc: Scenario):
    """The scenario's events on a line of months (one mark and label per event)."""
    import matplotlib.pyplot as plt

    from ..output.figures import month_date

    fig, ax = plt.subplots(figsize=(7.5, 1.1 + 0.28 * max(1, len(sc.events))), layout="constrained")
    start, end = month_date(sc.start, 1), month_date(sc.start, sc.horizon + 1)
    ax.hlines(0, start, end, color="0.6", lw=2)
    for k, ev in enumerate(sc.events):
        x = month_date(sc.start, ev.month)
        y = -(k + 1)
        ax.plot([x, x], [0, y], color="0.6", lw=0.8)
        ax.plot(x, 0, "o", color="C3", ms=6)
        ax.annotate(f"month {ev.month}: {event_label(ev)}", (x, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8, zorder=3, bbox=dict(fc="white", ec="none", pad=1.0))
    ax.set_ylim(-(len(sc.events) + 0.8), 0.8)
    ax.set_xlim(start, end)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.tick_params(labelsize=8)
    ax.set_title(f"{sc.name}: events from {sc.start}, {sc.horizon} months", fontsize=9, loc="left")
    return fig


def explain_table(spec: RunSpec, actor: str, month: int, replicates: int = 200):
    """What ``actor`` weighs at ``month``: its payoff under each of its own actions, term by term.

    The state is the mean over ``replicates`` runs of the scenario (with the
    spec's overrides) as that month's games are played, the other actors at
    their most common action (``scenario_context`` then ``explain``).
    Returns ``(by_action, table, actions)``: terms x own actions (values),
    the term table (arena, weight, claims, meaning), and the profile used.
    """
    from ..output.explain import explain, scenario_context

    sc = spec.scenario
    check_whole(month, 1, sc.horizon, "month")
    if actor not in ACTORS:
        raise UserError(f"unknown actor {actor!r}; allowed: {', '.join(ACTORS)}", key="actor")
    state, params, actions = scenario_context(sc, int(month), replicates=replicates, seed=spec.seed,
                                              overrides=spec.overrides or None)
    ex = explain(actor, state, actions, params=params, figure=False)
    return ex.by_action, ex.table, actions


def explain_html(by_action, table, actor: str, month: int, actions: dict) -> str:
    """Each own action's payoff (the column total, first) and the terms behind it; each term's claims paraphrased.

    Columns are grouped by arena (an actor may play in two); the highest
    total in each arena is marked; the table scrolls sideways if wide.
    """
    import numpy as np

    e = html.escape
    cols = list(by_action.columns)
    totals = by_action.sum(axis=0, skipna=True)
    arenas = list(dict.fromkeys(c.split(":")[0] for c in cols))
    best = {a: max((c for c in cols if c.startswith(a + ":")), key=lambda c: totals[c]) for a in arenas}
    group = "".join(f"<th class='arena' colspan='{sum(c.startswith(a + ':') for c in cols)}'>{e(a)} game</th>"
                    for a in arenas)
    head = "".join(f"<th class='num{' best' if best[c.split(':')[0]] == c else ''}'>{e(c.split(':', 1)[1])}</th>"
                   for c in cols)
    total_row = "".join(f"<td class='num total{' best' if best[c.split(':')[0]] == c else ''}' "
                        f"data-testid='total-{e(c)}'>{totals[c]:+.3f}</td>" for c in cols)
    body = []
    for _, t in table.iterrows():
        vals = by_action.loc[t["term"]]
        cells = "".join("<td class='num'></td>" if np.isnan(v) else f"<td class='num'>{signed(v)}</td>" for v in vals)
        claims = [c.strip() for c in str(t["claims"]).split(",") if c.strip()]
        cited = "".join(f"<li><b>{e(c)}</b>: {e(claim_text(c))}</li>" for c in claims)
        body.append(f"<tr><td class='term'><details><summary><b>{e(t['term'])}</b>: {e(t['meaning'])} "
                    f"<span class='unit'>(weight {e(t['weight'])} = {t['weight_value']:g}; {len(claims)} claims)"
                    f"</span></summary><ul class='claims'>{cited}</ul></details></td>{cells}</tr>")
    others = ", ".join(f"{c} {e(str(a))}" for c, a in actions.items() if c != actor)
    return (f"<p class='as-small'><b>{e(ACTOR_NAMES.get(actor, actor))} at month {int(month)}</b>: its stage payoff "
            f"under each of its own actions (columns: the total first, then the terms it sums), the others playing "
            f"their most common action ({others}). The highest total in each game is shaded. Open a term to read "
            f"the claims it rests on.</p>"
            f"<div class='as-scroll'><table class='as-table explain' data-testid='explain'><thead>"
            f"<tr><th rowspan='2'>term</th>{group}</tr><tr>{head}</tr></thead><tbody>"
            f"<tr><td class='term'><b>total: the action's payoff</b></td>{total_row}</tr>"
            f"{''.join(body)}</tbody></table></div>")


def claims_html(sc: Scenario) -> str:
    """The scenario's claims: id and paraphrase."""
    e = html.escape
    items = "".join(f"<li><b>{e(c)}</b>: {e(claim_text(c))}</li>" for c in sc.claims)
    return f"<ul class='claims' data-testid='scenario-claims'>{items}</ul>"


# ----------------------------------------------------------------------------- downloads
def run_zip(res) -> bytes:
    """The run as a zip of the folder ``alliance-sim run --out`` writes (``Results.save``)."""
    with tempfile.TemporaryDirectory(prefix="alliance-sim-app-") as tmp:
        folder = Path(tmp) / res.scenario.name
        res.save(folder)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    z.write(path, Path(res.scenario.name) / path.relative_to(folder))
        return buf.getvalue()


def report_available() -> bool:
    """Whether this version has the HTML report (``output.report``)."""
    import importlib.util

    return importlib.util.find_spec("alliance_sim.output.report") is not None


def report_html(res, ref=None, label: str | None = None) -> str | None:
    """The HTML report of the run (or of its comparison with the reference); None if unavailable."""
    try:
        from ..output.report import build_report
    except ImportError:
        return None
    if ref is not None:
        from ..output.comparison import Comparison

        # the reference first: the report takes each scenario's difference from the first
        return build_report(Comparison({ref.scenario.name: ref, label or f"{res.scenario.name} (yours)": res}))
    return build_report(res)

