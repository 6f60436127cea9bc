"""The app's page: Solara components over ``state`` (which holds all the logic).

Left: the scenario, the run (replicates, seed, reference scenario, Run and
Cancel with a progress bar), the events' months and the parameters (search,
then a slider and a field for each, with its meaning, unit and claims).
Right, in tabs: the results (headline table, fan charts), the action shares, the
paired difference from the reference, explain (an actor's payoff terms at a
month), the scenario (events on a timeline, its claims) and downloads.

Every reactive value below is per browser session (Solara scopes them).
"""
from __future__ import annotations

import time

import solara
import solara.lab

from ..domain.actors import ACTORS, ACTOR_NAMES
from ..domain.parameters import PARAMETERS
from ..errors import UserError
from . import state as st

NO_REFERENCE = "(none)"

scenario_name = solara.reactive("baseline")
replicates = solara.reactive(str(st.DEFAULT_REPLICATES))
seed = solara.reactive("0")
reference = solara.reactive(NO_REFERENCE)
values = solara.reactive({})  # changed parameters: name -> text typed
months = solara.reactive({})  # moved events: event key -> month typed
query = solara.reactive("")
errors = solara.reactive({})  # field key -> UserError message
outcome = solara.reactive(None)  # the last finished run: dict (see _finish)
status = solara.reactive("")
explain_actor = solara.reactive("PRK")
explain_month = solara.reactive("6")
explain_out = solara.reactive(None)

CSS = """
.as-left { width: 450px; flex: 0 0 450px; max-height: calc(100vh - 24px); overflow-y: auto; padding-right: 6px; }
.as-right { flex: 1 1 auto; min-width: 0; }
.as-card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; margin-bottom: 8px; background: #fff; }
.as-card h3 { font-size: 15px; margin: 0 0 4px 0; }
.as-param { border-top: 1px solid #eee; padding: 6px 0 2px 0; }
.as-param .as-name { font-family: monospace; font-weight: bold; font-size: 13px; }
.as-param .as-meaning, .as-small { font-size: 12px; color: #444; }
.as-param details, .as-small details { font-size: 12px; color: #555; }
.as-changed .as-name { color: #b35900; }
table.as-table { border-collapse: collapse; font-size: 13px; margin: 4px 0 10px 0; }
table.as-table th, table.as-table td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left;
  vertical-align: top; }
table.as-table th { background: #f3f5f7; }
table.as-table td.num, table.as-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.as-table td.unit { color: #666; font-size: 12px; }
table.explain th.best, table.explain td.best { background: #dff0e6; }
table.explain td.total { font-weight: bold; border-bottom: 2px solid #bbb; }
table.explain td.term { min-width: 300px; max-width: 420px; }
table.explain th.arena { text-align: center; border-left: 1px solid #ddd; }
table.explain summary { cursor: pointer; }
.as-scroll { overflow-x: auto; max-width: 100%; }
.as-small p, p.as-small { font-size: 13px; }
ul.claims { margin: 2px 0 4px 16px; padding: 0; font-size: 12px; }
.as-error { color: #b00020; font-size: 13px; }
.as-status { font-size: 13px; color: #333; }
"""


# ----------------------------------------------------------------------------- actions
def _set_scenario(name: str) -> None:
    scenario_name.value = name
    months.value = {}  # event keys belong to a scenario
    errors.value = {k: v for k, v in errors.value.items() if not k.startswith("event") and k != "scenario"}


def _set_field(key: str, message: str | None) -> None:
    new = dict(errors.value)
    if message:
        new[key] = message
    else:
        new.pop(key, None)
    errors.value = new


def _set_value(name: str, text: str) -> None:
    """A parameter typed or slid: keep the text, check it now, show the library's message if it is bad."""
    sc = st.scenario(scenario_name.value)
    new = dict(values.value)
    try:
        v = st.check_parameter(name, text)
        _set_field(f"param:{name}", None)
        if v == st.scenario_value(sc, name):
            new.pop(name, None)  # back at the scenario's value: not an override
        else:
            new[name] = text
    except UserError as e:
        _set_field(f"param:{name}", str(e))
        new[name] = text
    values.value = new


def _check_field(key: str, text: str) -> None:
    """Replicates or seed typed: checked at once, as Run would check them."""
    try:
        if key == "replicates":
            st.check_whole(text, 1, st.MAX_REPLICATES, "replicates", " in the app (use alliance-sim run for more)")
        else:
            st.check_whole(text, 0, None, "seed")
        _set_field(key, None)
    except UserError as e:
        _set_field(key, str(e))


def _field_names(bad: dict) -> list[str]:
    """``param:offer_relief`` -> ``offer_relief``, ``event:1`` -> ``event 2``, for the status line."""
    out = []
    for key in bad:
        kind, _, rest = key.partition(":")
        out.append(rest if kind == "param" else f"{rest} month" if kind == "event" else key)
    return out


def _reset_value(name: str) -> None:
    values.value = {k: v for k, v in values.value.items() if k != name}
    _set_field(f"param:{name}", None)


def _set_month(key: str, text: str) -> None:
    """An event's month typed: moved at once with the library's ``Scenario.retimed`` (its message if refused)."""
    months.value = {**months.value, key: text}
    sc = st.scenario(scenario_name.value)
    errors.value = {k: v for k, v in errors.value.items() if not k.startswith("event")}
    try:
        st.retimed(sc, months.value)
    except UserError as e:
        _set_field(st.event_error_key(e, sc), str(e))


def _throttled(show, every: float = 0.25):
    """``progress(fraction)`` that calls ``show(percent)`` at most every ``every`` seconds (and at 100%).

    Each call re-renders the bar, in the thread that computes: a hundred of
    them would slow the run down.
    """
    last = [0.0]

    def progress(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= every or fraction >= 1.0:
            last[0] = now
            show(round(100 * fraction))

    return progress


@solara.lab.task
def run_task(spec: st.RunSpec):
    """The run, in a thread: the headline first, then the charts (drawn here, not in the page)."""
    t0 = time.perf_counter()
    run_task.progress = 0
    status.value = f"running {spec.replicates:,} replicates" + (f" (and {spec.reference})" if spec.reference else "")
    try:
        res, ref = st.run(spec, progress=_throttled(lambda pct: setattr(run_task, "progress", pct)),
                          cancelled=lambda: not run_task.is_current())
    except st.Cancelled:
        status.value = "cancelled: nothing was kept"
        return None
    except UserError as e:
        status.value = ""
        _set_field("run", str(e))
        return None
    seconds = time.perf_counter() - t0
    out = dict(spec=spec, res=res, ref=ref, seconds=seconds, table=st.headline_html(res), charts={})
    outcome.value = out
    status.value = f"{spec.replicates:,} replicates in {seconds:.1f} s; drawing the charts"
    from ..output import figures

    charts = {"main": st.png(figures.metrics_grid(res.trajectories, info=res.info()))}
    outcome.value = {**out, "charts": dict(charts)}
    if ref is not None:
        try:
            comp, diffs = st.differences(res, ref, f"{spec.scenario.name} (yours)")
            charts["diff"] = st.png(comp.plot_differences(reference=ref.scenario.name))
            out["diffs"] = st.differences_html(diffs)
        except UserError as e:  # e.g. a reference with a shorter horizon: the library's message, in the tab
            out["diffs"] = f"<div class='as-error'>{_esc(e)}</div>"
    total = time.perf_counter() - t0
    outcome.value = {**out, "charts": charts, "total": total}
    status.value = f"{spec.replicates:,} replicates in {seconds:.1f} s (charts at {total:.1f} s)"
    return out


def _run() -> None:
    errors.value = {k: v for k, v in errors.value.items() if k != "run"}
    ref = None if reference.value == NO_REFERENCE else reference.value
    spec, bad = st.build_spec(scenario_name.value, replicates.value, seed.value, values.value, months.value, ref)
    if bad:
        errors.value = {**errors.value, **bad}
        status.value = f"not run: fix the fields marked in red ({', '.join(_field_names(bad))})"
        return
    run_task(spec)


@solara.lab.task
def explain_task(spec: st.RunSpec, actor: str, month: str):
    try:
        by_action, table, actions = st.explain_table(spec, actor, month)
    except UserError as e:
        return {"error": str(e)}
    return {"html": st.explain_html(by_action, table, actor, int(month), actions)}


def _explain() -> None:
    ref = None
    spec, bad = st.build_spec(scenario_name.value, "1", seed.value, values.value, months.value, ref)
    if bad:
        explain_out.value = {"error": "; ".join(bad.values())}
        return
    explain_out.value = None
    explain_task(spec, explain_actor.value, explain_month.value)


# ----------------------------------------------------------------------------- components
@solara.component
def ScenarioCard(broken: str | None = None):
    with solara.Div(classes=["as-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Scenario")
        solara.Select("Scenario", values=st.scenario_names(), value=scenario_name.value, on_value=_set_scenario,
                      classes=["as-scenario"])
        if broken:  # a scenario file that does not load (e.g. a composition conflict): the library's message
            solara.HTML(tag="div", unsafe_innerHTML=_esc(broken), classes=["as-error"])
            return
        sc = st.scenario(scenario_name.value)
        solara.HTML(tag="div", unsafe_innerHTML=f"<details><summary>{_plural(len(sc.events), 'event')}, {sc.horizon} months "
                    f"from {sc.start}: what it encodes</summary>{_esc(sc.description)}</details>",
                    classes=["as-small"])


@solara.component
def RunCard():
    err = errors.value
    running = run_task.pending
    with solara.Div(classes=["as-card", "as-run-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Run an ensemble")
        with solara.Row(style={"gap": "8px"}):
            solara.InputText(f"Replicates (1 to {st.MAX_REPLICATES:,})", value=replicates, continuous_update=True,
                             on_value=lambda t: _check_field("replicates", t), error=bool(err.get("replicates")),
                             classes=["as-replicates"])
            solara.InputText("Seed", value=seed, continuous_update=True, on_value=lambda t: _check_field("seed", t),
                             error=bool(err.get("seed")), classes=["as-seed"])
        for key in ("replicates", "seed", "reference"):
            if err.get(key):
                solara.HTML(tag="div", unsafe_innerHTML=_esc(err[key]), classes=["as-error"])
        solara.Select("Paired difference from", values=[NO_REFERENCE] + st.scenario_names(), value=reference,
                      classes=["as-reference"])
        with solara.Row(style={"gap": "8px", "align-items": "center"}):
            solara.Button("Run", on_click=_run, color="primary", disabled=running, classes=["as-run"])
            solara.Button("Cancel", on_click=run_task.cancel, disabled=not running, classes=["as-cancel"])
        if running:
            solara.ProgressLinear(run_task.progress if run_task.progress is not None else True)
        if err.get("run"):
            solara.HTML(tag="div", unsafe_innerHTML=_esc(err["run"]), classes=["as-error"])
        if status.value:
            bad = status.value.startswith("not run")
            solara.HTML(tag="div", unsafe_innerHTML=_esc(status.value), classes=["as-error" if bad else "as-status"])


@solara.component
def EventsCard():
    sc = st.scenario(scenario_name.value)
    err = errors.value
    now = st.event_months(sc, months.value)  # events timed after a moved one move with it
    with solara.Div(classes=["as-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Events: when they happen")
        if not sc.events:
            solara.Text("This scenario has no events.")
        for key, ev in zip(st.event_keys(sc), sc.events):
            shown = months.value.get(key, str(now.get(key, ev.month)))
            with solara.Div(classes=[f"as-event-{key.replace('@', '-')}"]):
                with solara.Row(style={"gap": "8px", "align-items": "baseline"}):
                    solara.InputText("month", value=shown, continuous_update=True,
                                     on_value=lambda text, key=key: _set_month(key, text),
                                     error=bool(err.get(f"event:{key}")),
                                     style={"max-width": "90px", "flex": "0 0 90px"})
                    timing = st.event_timing(sc, key)
                    solara.HTML(tag="span", unsafe_innerHTML=_esc(st.event_label(ev)) + (
                        "" if timing == "fixed month" else f" <span class='as-small'>({_esc(timing)})</span>"))
                if err.get(f"event:{key}"):
                    solara.HTML(tag="div", unsafe_innerHTML=_esc(err[f"event:{key}"]), classes=["as-error"])
        for k in ("events", "scenario"):
            if err.get(k):
                solara.HTML(tag="div", unsafe_innerHTML=_esc(err[k]), classes=["as-error"])


@solara.component
def ParameterRow(name: str):
    p = PARAMETERS[name]
    sc = st.scenario(scenario_name.value)
    base = st.scenario_value(sc, name)
    text = values.value.get(name)
    err = errors.value.get(f"param:{name}")
    current = base
    if text is not None and not err:
        current = float(text)
    claims = "".join(f"<li><b>{_esc(c)}</b>: {_esc(st.claim_text(c))}</li>" for c in p.claims)
    with solara.Div(classes=["as-param", f"as-param-{name}"] + (["as-changed"] if text is not None else [])):
        solara.HTML(tag="div", unsafe_innerHTML=f"<span class='as-name'>{_esc(name)}</span> "
                    f"<span class='as-small'>({_esc(p.unit)}; range {p.low:g} to {p.high:g}; "
                    f"scenario value {base:g})</span><div class='as-meaning'>{_esc(p.meaning)}</div>")
        with solara.Row(style={"gap": "8px", "align-items": "center"}):
            solara.SliderFloat("", value=current, min=p.low, max=p.high, step=st.step_of(p),
                               on_value=lambda v: _set_value(name, f"{v:.6g}"), thumb_label=False)
            solara.InputText("value", value=text if text is not None else f"{base:g}", continuous_update=True,
                             on_value=lambda t: _set_value(name, t), error=bool(err),
                             style={"max-width": "110px", "flex": "0 0 110px"}, classes=["as-value"])
            if text is not None:
                solara.Button("reset", on_click=lambda: _reset_value(name), text=True, small=True)
        if err:  # the library's message, full width under the field
            solara.HTML(tag="div", unsafe_innerHTML=_esc(err), classes=["as-error", "as-field-error"])
        solara.HTML(tag="div", unsafe_innerHTML=f"<details><summary>rests on {len(p.claims)} claims: "
                    f"{_esc(', '.join(p.claims))}</summary><ul class='claims'>{claims}</ul></details>",
                    classes=["as-small"])


@solara.component
def ParametersCard():
    sc = st.scenario(scenario_name.value)
    rows, n = st.find_parameters(query.value, sc, list(values.value))
    with solara.Div(classes=["as-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Parameters")
        solara.InputText("Find a parameter (name or meaning)", value=query, continuous_update=True,
                         classes=["as-query"])
        changed = len(values.value)
        solara.HTML(tag="div", classes=["as-small"], unsafe_innerHTML=(
            f"{changed} changed (shown first); {min(n, st.SHOWN_PARAMETERS)} of {n} matching shown"
            + ("; type to narrow" if n > st.SHOWN_PARAMETERS else "")))
        for p in rows:
            ParameterRow(p.name).key(p.name)


@solara.component
def ResultsTab():
    out = outcome.value
    if out is None:
        solara.HTML(tag="p", unsafe_innerHTML="Press <b>Run</b> to run an ensemble of the scenario with your settings.")
        return
    spec = out["spec"]
    solara.HTML(tag="div", classes=["as-small"], unsafe_innerHTML=(
        f"<code>{_esc(spec.call())}</code> &mdash; {spec.replicates:,} replicates in {out['seconds']:.1f} s"))
    solara.HTML(tag="div", unsafe_innerHTML=out["table"])
    charts = out.get("charts", {})
    if "main" in charts:
        solara.Image(charts["main"], width="100%", classes=["as-chart-main"])
    else:
        solara.Text("drawing the fan charts ...")


@solara.component
def ActionsTab():
    """Each actor's action shares, drawn when the tab is first opened (kept with the run)."""
    out = outcome.value

    def draw():
        if out is None:
            return None
        charts = out["charts"]
        if "actions" not in charts:  # the run's own dict: the chart is drawn once per run
            from ..output import figures

            res = out["res"]
            charts["actions"] = st.png(figures.action_shares(res.trajectories, info=res.info()), dpi=110)
        return charts["actions"]

    task = solara.lab.use_task(draw, dependencies=[id(out)])
    if out is None:
        solara.HTML(tag="p", unsafe_innerHTML="Run first: then each actor's monthly action, as shares of replicates.")
    elif task.finished and task.value is not None:
        solara.Image(task.value, width="100%", classes=["as-chart-actions"])
    else:
        solara.Text("drawing the action shares ...")
        solara.ProgressLinear(True)


@solara.component
def DifferencesTab():
    out = outcome.value
    if out is None or out.get("ref") is None:
        solara.HTML(tag="p", unsafe_innerHTML=(
            "Choose a scenario under <b>Paired difference from</b> and run: both run on the same seed, so each "
            "replicate of yours is paired with the same replicate of the reference, and each difference comes "
            "with a 90% interval."))
        return
    if "diffs" not in out:
        solara.Text("computing the differences ...")
        return
    solara.HTML(tag="div", unsafe_innerHTML=out["diffs"])
    if "diff" in out.get("charts", {}):
        solara.Image(out["charts"]["diff"], width="100%", classes=["as-chart-diff"])


@solara.component
def ExplainTab():
    sc = st.scenario(scenario_name.value)
    with solara.Row(style={"gap": "8px", "align-items": "center"}):
        solara.Select("Actor", values=list(ACTORS), value=explain_actor, style={"max-width": "140px"})
        solara.InputText(f"Month (1 to {sc.horizon})", value=explain_month, continuous_update=True,
                         style={"max-width": "140px"})
        solara.Button("Explain", on_click=_explain, disabled=explain_task.pending, classes=["as-explain"])
    res = explain_task.value if explain_task.finished else explain_out.value
    if not res:
        solara.HTML(tag="div", classes=["as-small"], unsafe_innerHTML=(
            f"{_esc(ACTOR_NAMES.get(explain_actor.value, ''))}: why it chooses what it does, at the mean state of "
            "200 runs of the scenario (with your parameters and event months) as that month's games are played."))
    if explain_task.pending:
        solara.ProgressLinear(True)
    if res:
        if res.get("error"):
            solara.HTML(tag="div", unsafe_innerHTML=_esc(res["error"]), classes=["as-error"])
        else:
            solara.HTML(tag="div", unsafe_innerHTML=res["html"])


@solara.component
def ScenarioTab():
    sc = st.scenario(scenario_name.value)
    try:
        shown = st.retimed(sc, months.value)
    except UserError:
        shown = sc
    png = solara.use_memo(lambda: st.png(st.timeline_figure(shown), dpi=100), dependencies=[shown])
    solara.Image(png, classes=["as-timeline"])
    before = dict(zip(st.event_keys(sc), (e.month for e in sc.events)))
    moved = [f"{key} to month {m}" for key, m in st.event_months(sc, months.value).items() if m != before.get(key)]
    note = f" <i>You moved: {_esc('; '.join(moved))} (the description is the file's).</i>" if moved else ""
    solara.HTML(tag="p", unsafe_innerHTML=f"<b>{_esc(sc.name)}</b>: {_esc(sc.description)}{note}",
                classes=["as-small"])
    solara.HTML(tag="h4", unsafe_innerHTML="The claims it encodes")
    solara.HTML(tag="div", unsafe_innerHTML=st.claims_html(sc))


@solara.component
def DownloadTab():
    out = outcome.value
    if out is None:
        solara.HTML(tag="p", unsafe_innerHTML=(
            "Run first: then download the run (the folder <code>alliance-sim run --out</code> writes, as a zip) "
            "and its HTML report."))
        return
    res, ref, spec = out["res"], out.get("ref"), out["spec"]
    name = res.scenario.name
    solara.FileDownload(lambda: st.run_zip(res), filename=f"{name}_seed{spec.seed}.zip",
                        label="Download the run (zip: trajectories, summary, manifest, scenario, figures)")
    solara.HTML(tag="p", classes=["as-small"], unsafe_innerHTML=(
        f"The folder <code>alliance-sim run --out</code> writes, for <code>{_esc(spec.call())}</code>. Unzipped, "
        f"<code>alliance_sim.load('{_esc(name)}')</code> reopens it, and its <code>scenario.toml</code> (the scenario "
        "as run, events at their months) reruns it from the command line with the same "
        "<code>--set</code> values."))
    if st.report_available():
        solara.FileDownload(lambda: st.report_html(res, ref, f"{name} (yours)").encode("utf-8"),
                            filename=f"{name}_report.html", label="Download the HTML report", mime_type="text/html")
    else:
        solara.Text("The HTML report needs alliance_sim.output.report (not in this version).")


@solara.component
def Page():
    solara.Title("alliance_sim: what-if explorer")
    solara.Style(CSS)
    try:
        st.scenario(scenario_name.value)
        broken = None
    except UserError as e:
        broken = str(e)
    with solara.Row(style={"align-items": "flex-start", "gap": "16px", "padding": "8px"}):
        with solara.Column(classes=["as-left"]):
            ScenarioCard(broken)
            if broken:
                return
            RunCard()
            EventsCard()
            ParametersCard()
        with solara.Column(classes=["as-right"]):
            with solara.lab.Tabs(lazy=True):  # only the open tab is drawn
                with solara.lab.Tab("Results"):
                    ResultsTab()
                with solara.lab.Tab("Action shares"):
                    ActionsTab()
                with solara.lab.Tab("Difference from reference"):
                    DifferencesTab()
                with solara.lab.Tab("Explain"):
                    ExplainTab()
                with solara.lab.Tab("Scenario"):
                    ScenarioTab()
                with solara.lab.Tab("Download"):
                    DownloadTab()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _esc(text) -> str:
    import html

    return html.escape(str(text))
