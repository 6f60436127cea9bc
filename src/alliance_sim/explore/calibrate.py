"""Calibration: keep the parameter sets whose simulated history meets the articles' dated figures.

The targets (``seeds/calibration_targets.toml``) are dated figures of the claims
registry: the troops sent in November 2024, the December deaths, the winter's
casualties, the treaty in force, Kursk by March 2025. ``calibrate`` runs a
scenario from late 2024 (the file's ``[history]``: month 0 is October 2024,
the scenario's events moved to their calendar dates), over a Latin hypercube
of its uncertainty space, and keeps the sets whose history agrees.

Method: history matching (Craig, Goldstein, Seheult & Smith 1997; Vernon,
Goldstein & Bower 2010). For a parameter set ``x`` and a target with observed
interval ``[low, high]`` (a single ``value`` is ``low = high``) the
implausibility is

    I(x) = dist(mean_x, [low, high]) / sqrt(sd_obs^2 + var_x (1 + 1/R))

where ``mean_x`` and ``var_x`` are the mean and variance of the simulated
figure over the set's ``R`` replicates (the world is one realisation of a
stochastic history, so the model's own spread counts, plus the error of its
mean), and ``sd_obs`` is the observation uncertainty the targets file states.
A set is accepted when its largest implausibility over the targets is at most
the cut-off (3, Pukelsheim's three-sigma rule for any unimodal distribution),
and when its simulated state at the scenario's month 0 lies inside every
``init_*`` plausible range (the registry's reading of that month's state; a
set whose history leaves them is not clipped back in). ``variance="mean"``
reads the figures as the model's expected path instead (``var / R``).

Why history matching and a few lines of numpy rather than ABC (pyabc): the
model is already run in large batches over a design (``explore.sweep``), the
targets are a handful of intervals with stated uncertainties, and the question
asked is "which parameter sets are not ruled out" (every accepted set is kept,
with the prior's weight), not a posterior density; pyabc would add a heavy
dependency with its own database and process pool, a distance and an epsilon
schedule to tune, and run the model one parameter set at a time, outside the
engine's reproducible batching.

What is carried over. Each accepted set's sampled parameters, and, as its
``init_*`` values, the simulated state at the month before the scenario's
start (December 2024 for every shipped scenario): the ensemble then starts from
a state consistent with the figures, not from hand-set values. The sampled
October-2024 starting values are kept as ``history_init_*`` records. See
:mod:`alliance_sim.calibrated` for how ``run --calibrated`` draws from them.

Contested figures: a target may hold under one reading of a contested claim
(the troop reports); the same runs are judged under each reading, and each
reading gets its own accepted sets.
"""
from __future__ import annotations

import hashlib
import math
import re
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..calibrated import KIND
from ..errors import UserError, excerpt

CUTOFF = 3.0
METHOD = ("history matching: implausibility = distance of the replicate mean from the observed interval / "
          "sqrt(sd_obs^2 + model variance x (1 + 1/R) (variance 'realisation') or / R ('mean')); a set is accepted "
          "when its largest implausibility is at most the cut-off and its simulated state at the scenario's month 0 "
          "lies within every init_* plausible range")
# init_* parameter -> the state variable it starts (domain.state.State.initial)
HANDOFF = {
    "init_war_intensity": "war_intensity", "init_front": "front", "init_prk_troops": "prk_troops_in_russia",
    "init_prk_workers": "prk_workers_in_russia", "init_prk_casualties": "prk_casualties",
    "init_tech_transfer": "tech_transfer", "init_personnel_shortage": "personnel_shortage",
    "init_sanctions_pressure": "sanctions_pressure", "init_alliance_strength": "alliance_strength",
    "init_prk_industry": "prk_industry", "init_prk_experience": "prk_experience", "init_kor_stance": "kor_stance",
    "init_us_russia": "us_russia_relations", "init_us_prk_talks": "us_prk_talks", "init_ukr_pressure": "ukr_pressure",
}
# Counted from month 0: the history's starting casualties are the parameter's floor, not real losses.
COUNTED_FROM_START = ("init_prk_casualties",)
HISTORY_PREFIX = "history_"
TARGET_KEYS = ("id", "claims", "metric", "date", "since", "value", "low", "high", "sd", "reading", "why")
MAX_TARGETS = 200


# ----------------------------------------------------------------------------- targets
def _month(text, file, key) -> tuple[int, int]:
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise UserError(f"{excerpt(repr(text), 30)} is not a month; allowed: 'YYYY-MM'", file=file, key=key)
    y, m = text.split("-")
    return int(y), int(m)


def months_between(a: str, b: str) -> int:
    """Months from ``a`` to ``b`` (``'YYYY-MM'``)."""
    (ya, ma), (yb, mb) = (tuple(int(x) for x in s.split("-")) for s in (a, b))
    return (yb - ya) * 12 + (mb - ma)


def month_label(start: str, month: int) -> str:
    """The calendar month (``'YYYY-MM'``) of a run's month ``month`` (month 0 is the month before ``start``)."""
    y, m = (int(x) for x in start.split("-"))
    k = y * 12 + (m - 1) + month - 1
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


@dataclass(frozen=True)
class Target:
    """One dated figure: the simulated ``metric`` (its change since ``since``) at ``month`` against ``[low, high]``."""
    id: str
    claims: tuple[str, ...]
    metric: str
    date: str
    month: int
    since: str | None
    since_month: int | None
    low: float
    high: float
    sd: float
    reading: str | None
    why: str

    @property
    def label(self) -> str:
        what = f"change of {self.metric} since {self.since}" if self.since else self.metric
        obs = f"{self.low:g}" if self.low == self.high else f"[{self.low:g}, {self.high:g}]"
        return f"{what} at {self.date}: {obs} (sd {self.sd:g})"

    def as_dict(self) -> dict:
        return dict(id=self.id, claims=list(self.claims), metric=self.metric, date=self.date, month=self.month,
                    since=self.since, since_month=self.since_month, low=self.low, high=self.high, sd=self.sd,
                    reading=self.reading, why=" ".join(self.why.split()))


@dataclass(frozen=True)
class Targets:
    path: str
    start: str
    horizon: int
    description: str
    parameters: dict
    ranges: dict
    targets: tuple[Target, ...]
    default_reading: str | None
    content_hash: str
    vary: tuple[str, ...] | None = None  # what the calibration varies by default (None: every uncertain parameter)

    @property
    def readings(self) -> tuple[str, ...]:
        """The readings of contested targets (the default first); ``("all",)`` when none is contested."""
        names = list(dict.fromkeys(t.reading for t in self.targets if t.reading))
        if not names:
            return ("all",)
        if self.default_reading in names:
            names.remove(self.default_reading)
            names.insert(0, self.default_reading)
        return tuple(names)

    def under(self, reading: str) -> list[Target]:
        return [t for t in self.targets if t.reading is None or t.reading == reading]


def default_targets_path() -> Path:
    from ..domain.claims import seeds_dir

    return seeds_dir() / "calibration_targets.toml"


def _number(v, file, key, *, positive=False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (positive and v <= 0):
        allowed = "a number > 0" if positive else "a finite number"
        raise UserError(f"{excerpt(repr(v), 30)} not allowed; allowed: {allowed}", file=file, key=key)
    return float(v)


def load_targets(path=None) -> Targets:
    """Read and check a targets file (default: the packaged ``calibration_targets.toml``).

    Raises
    ------
    UserError
        One line naming the file and the key: a target naming no metric or an
        unknown one, a date outside the history run, no observed value, a
        non-positive sd, an unknown claim, a reading no target uses.
    """
    from ..domain.claims import claim_ids
    from ..domain.metrics import METRICS
    from ..domain.parameters import PARAMETERS, check_value
    from ..domain.scenario import read_scenario_text

    path = Path(path) if path is not None else default_targets_path()
    file = str(path)
    text = read_scenario_text(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"not valid TOML ({excerpt(e, 120)})", file=file) from None
    allowed_top = ("default_reading", "history", "target")
    for k in raw:
        if k not in allowed_top:
            raise UserError(f"unknown key {excerpt(repr(k))}; allowed: {', '.join(allowed_top)}", file=file, key=k)
    hist = raw.get("history")
    if not isinstance(hist, dict):
        raise UserError("a [history] table is required (start, horizon)", file=file, key="history")
    for k in hist:
        if k not in ("start", "horizon", "description", "parameters", "ranges", "vary"):
            raise UserError(f"unknown key {excerpt(repr(k))}; allowed: start, horizon, description, parameters, "
                            "ranges, vary", file=file, key=f"history.{k}")
    start = hist.get("start")
    _month(start, file, "history.start")
    horizon = hist.get("horizon")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 60:
        raise UserError(f"{excerpt(repr(horizon), 20)} not allowed; allowed: a whole number of months, 1 to 60",
                        file=file, key="history.horizon")
    params = {}
    for name, v in (hist.get("parameters") or {}).items():
        params[name] = check_value(name, v, file=file, key=f"history.parameters.{name}")
    ranges = {}
    for name, rng in (hist.get("ranges") or {}).items():
        if not isinstance(rng, list) or len(rng) != 2:
            raise UserError("must be [low, high]", file=file, key=f"history.ranges.{name}")
        lo, hi = (check_value(name, v, file=file, key=f"history.ranges.{name}") for v in rng)
        if lo >= hi:
            raise UserError(f"range [{lo:g}, {hi:g}] is empty; allowed: low < high", file=file,
                            key=f"history.ranges.{name}")
        ranges[name] = (lo, hi)
    vary = hist.get("vary")
    if vary is not None:
        if not isinstance(vary, list) or not vary or not all(isinstance(v, str) for v in vary):
            raise UserError("must be a list of parameter names", file=file, key="history.vary")
        for name in vary:
            check_value(name, PARAMETERS[name].default if name in PARAMETERS else 0.0, file=file,
                        key=f"history.vary ({name})")
            if name in params:
                raise UserError(f"parameter {name!r} is both fixed (history.parameters) and varied", file=file,
                                key="history.vary")
        vary = tuple(dict.fromkeys(vary))
    items = raw.get("target")
    if not isinstance(items, list) or not items:
        raise UserError("no [[target]]; allowed: one or more [[target]] tables", file=file, key="target")
    if len(items) > MAX_TARGETS:
        raise UserError(f"{len(items)} targets; allowed: at most {MAX_TARGETS}", file=file, key="target")
    last = month_label(start, horizon)
    known = claim_ids()
    targets = []
    for i, t in enumerate(items):
        key = f"target[{i}]"
        if not isinstance(t, dict):
            raise UserError("must be a table", file=file, key=key)
        for k in t:
            if k not in TARGET_KEYS:
                raise UserError(f"unknown key {excerpt(repr(k))}; allowed: {', '.join(TARGET_KEYS)}", file=file,
                                key=f"{key}.{k}")
        tid = t.get("id")
        if not isinstance(tid, str) or not re.fullmatch(r"[a-z0-9_]{1,40}", tid):
            raise UserError(f"{excerpt(repr(tid), 30)} not allowed; allowed: an id of a-z, 0-9, _ (1-40 characters)",
                            file=file, key=f"{key}.id")
        key = f"target[{i}] ({tid})"
        metric = t.get("metric")
        if metric is None:
            raise UserError(f"names no metric; allowed: one of {', '.join(METRICS)}", file=file, key=f"{key}.metric")
        if metric not in METRICS:
            raise UserError(f"unknown metric {excerpt(repr(metric))}; allowed: {', '.join(METRICS)}", file=file,
                            key=f"{key}.metric")
        claims = t.get("claims", [])
        if not isinstance(claims, list) or not claims:
            raise UserError("names no claim; allowed: a list of claim ids (see 'alliance-sim claims')", file=file,
                            key=f"{key}.claims")
        for c in claims:
            if c not in known:
                raise UserError(f"unknown claim id {excerpt(repr(c))} (see 'alliance-sim claims')", file=file,
                                key=f"{key}.claims")
        _month(t.get("date"), file, f"{key}.date")
        month = months_between(start, t["date"]) + 1
        if not 1 <= month <= horizon:
            raise UserError(f"date {t['date']} outside the run; allowed: {start} to {last} (history.start and "
                            "history.horizon)", file=file, key=f"{key}.date")
        since = t.get("since")
        since_month = None
        if since is not None:
            _month(since, file, f"{key}.since")
            since_month = months_between(start, since) + 1
            if not 1 <= since_month < month:
                raise UserError(f"since {since} not allowed; allowed: {start} up to the month before date "
                                f"{t['date']}", file=file, key=f"{key}.since")
        has_value, has_range = "value" in t, ("low" in t or "high" in t)
        if has_value == has_range:
            raise UserError("give the observed figure as value, or as low and high (not both)", file=file,
                            key=f"{key}.value")
        if has_value:
            low = high = _number(t["value"], file, f"{key}.value")
        else:
            if "low" not in t or "high" not in t:
                raise UserError("an interval needs both low and high", file=file, key=f"{key}.low")
            low, high = _number(t["low"], file, f"{key}.low"), _number(t["high"], file, f"{key}.high")
            if low > high:
                raise UserError(f"low {low:g} above high {high:g}; allowed: low <= high", file=file, key=f"{key}.low")
        if "sd" not in t:
            raise UserError("no sd: state the observation uncertainty assumed (a number > 0, in the metric's unit)",
                            file=file, key=f"{key}.sd")
        sd = _number(t["sd"], file, f"{key}.sd", positive=True)
        reading = t.get("reading")
        if reading is not None and (not isinstance(reading, str) or not re.fullmatch(r"[a-z0-9_]{1,40}", reading)):
            raise UserError(f"{excerpt(repr(reading), 30)} not allowed; allowed: a reading name of a-z, 0-9, _",
                            file=file, key=f"{key}.reading")
        why = t.get("why", "")
        if not isinstance(why, str) or len(why.split()) < 3:
            raise UserError("say why the figure and its sd (a sentence)", file=file, key=f"{key}.why")
        targets.append(Target(tid, tuple(claims), metric, t["date"], month, since, since_month, low, high, sd,
                              reading, why))
    default = raw.get("default_reading")
    readings = {t.reading for t in targets if t.reading}
    if default is not None and default not in readings:
        raise UserError(f"reading {excerpt(repr(default))} is used by no target; allowed: "
                        f"{', '.join(sorted(readings)) or '(none: no target has a reading)'}", file=file,
                        key="default_reading")
    seen = set()
    for t in targets:
        for r in ([t.reading] if t.reading else sorted(readings) or [None]):
            if (t.id, r) in seen:
                raise UserError(f"target id {t.id!r} appears twice under reading {r or 'all'}; allowed: one per "
                                "reading", file=file, key=f"target ({t.id})")
            seen.add((t.id, r))
    return Targets(file, start, int(horizon), str(hist.get("description", "")), params, ranges, tuple(targets),
                   default, hashlib.sha256(text.encode()).hexdigest(), vary)


# ----------------------------------------------------------------------------- the history run
def history_scenario(scenario, targets: Targets):
    """The scenario run from ``targets.start``: its events moved to their calendar months, its horizon the
    history's; and the month of the scenario's own month 0 in that run (where the starting state is taken)."""
    shift = months_between(targets.start, scenario.start)
    if not 0 <= shift <= targets.horizon:
        raise UserError(f"scenario {scenario.name!r} starts {scenario.start}; allowed: a start from "
                        f"{targets.start} to {month_label(targets.start, targets.horizon + 1)} (the history run "
                        "must reach the scenario's month 0)", file=targets.path, key="history.start")
    events = []
    for e in scenario.events:
        if e.month + shift <= targets.horizon:
            events.append(replace(e, month=e.month + shift,
                                  until=None if e.until is None else e.until + shift))
    hist = replace(scenario, start=targets.start, horizon=targets.horizon, events=tuple(events),
                   parameters={**scenario.parameters, **targets.parameters},
                   ranges={**scenario.ranges, **targets.ranges})
    return hist, shift


def uncertainty(scenario, targets: Targets) -> dict:
    """What the calibration samples: the scenario's uncertain parameters (without any an event sets, even one
    after the history ends), with the history's fixed October-2024 values removed and its ranges applied."""
    space = scenario.uncertainty()
    out = {}
    for name, rng in space.items():
        if name in targets.parameters:
            continue
        out[name] = tuple(targets.ranges.get(name, rng))
    return out


def _problem(scenario, targets, parameters):
    from .space import make_problem

    space = uncertainty(scenario, targets)
    if parameters is None and targets.vary is not None:  # the file's list, less what the scenario fixes
        parameters = [name for name in targets.vary if name in space]
    if parameters is None:
        return make_problem(space)
    from .space import problem as subset

    hist, _ = history_scenario(scenario, targets)
    pb = subset(hist, parameters)  # checks names and ranges
    for name in pb["names"]:
        if name not in space:
            raise UserError(f"parameter {name!r} is fixed by the scenario or the history; allowed: the "
                            f"{len(space)} it leaves uncertain", key="parameters")
    if not isinstance(parameters, dict):
        pb["bounds"] = [list(space[n]) for n in pb["names"]]
    return pb


STARTING_STATE = "starting_state"


def _starting_state(tg: Targets, shift: int) -> Target:
    """The handed-over state as a target: inside every init_* plausible range at the scenario's month 0."""
    return Target(STARTING_STATE, (), "init_*", month_label(tg.start, shift), shift, None, None, 0.0, 0.0, 1.0,
                  None, "the init_* plausible ranges are the registry's reading of the starting state")


def target_key(t: Target) -> str:
    """A target's column key: its id, with its reading for a contested one (``troops_first_wave__rear_only``)."""
    return t.id if t.reading is None else f"{t.id}__{t.reading}"


VARIANCES = ("realisation", "mean")


def implausibility(sim: np.ndarray, target: Target, variance: str = "realisation") -> np.ndarray:
    """``(sets,)`` implausibility of ``sim`` (``(sets, replicates)`` simulated figures) against ``target``.

    ``variance="realisation"``: the observed history is one realisation of the stochastic model, so the
    model's spread over replicates counts in full, plus the error of the mean (``var (1 + 1/R)``);
    ``"mean"``: the figure is read as the expected history, only the error of the mean counts (``var / R``).
    """
    R = sim.shape[1]
    mean = sim.mean(axis=1)
    var = sim.var(axis=1, ddof=1) if R > 1 else np.zeros(sim.shape[0])
    dist = np.maximum(target.low - mean, 0.0) + np.maximum(mean - target.high, 0.0)
    factor = (1.0 + 1.0 / R) if variance == "realisation" else 1.0 / R
    out = dist / np.sqrt(target.sd ** 2 + var * factor)
    return np.where(np.isfinite(out), out, np.inf)


# ----------------------------------------------------------------------------- results
@dataclass
class Calibration:
    """The sampled sets, their implausibilities and acceptance under each reading.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per sampled set: ``set``, the sampled parameters (the
        history's starting values as ``history_init_*``), the carried
        ``init_*`` starting values, ``I_<target>``, and per reading
        ``implausibility_<reading>`` and ``accepted_<reading>``.
    series : dict
        ``{target id: (sets, months) array}``: each set's mean of the target's
        figure at months 1..horizon (for the figures).
    manifest : dict
    """

    samples: object
    series: dict
    manifest: dict
    targets: Targets
    scenario: object

    @property
    def readings(self) -> tuple[str, ...]:
        return self.targets.readings

    def accepted(self, reading: str | None = None):
        """The accepted sets under a reading (default: the default reading), as written to ``accepted*.csv``."""
        reading = reading or self.readings[0]
        if reading not in self.readings:
            raise UserError(f"unknown reading {reading!r}; allowed: {', '.join(self.readings)}", key="reading")
        s = self.samples
        keep = s[s[f"accepted_{reading}"]]
        params = list(self.manifest["carried"])
        out = keep[["set", f"implausibility_{reading}"] + params].rename(
            columns={f"implausibility_{reading}": "implausibility"})
        for t in self.targets.under(reading):  # each target's implausibility under its plain id
            out[f"I_{t.id}"] = keep[f"I_{target_key(t)}"]
        for c in s.columns:
            if c.startswith(HISTORY_PREFIX):
                out[c] = keep[c]
        return out.reset_index(drop=True)

    def ranges(self):
        """Prior range and, per reading, the accepted 5-95% range and sd ratio of every sampled parameter."""
        import pandas as pd

        s = self.samples
        rows = []
        for name, (lo, hi) in self.manifest["prior"].items():
            col = HISTORY_PREFIX + name if name in HANDOFF else name
            prior_sd = (hi - lo) / math.sqrt(12.0)
            for r in self.readings:
                v = s.loc[s[f"accepted_{r}"], col].to_numpy(dtype=float)
                rows.append(dict(parameter=name, reading=r, prior_low=lo, prior_high=hi,
                                 accepted_p05=float(np.quantile(v, 0.05)) if v.size else np.nan,
                                 accepted_p95=float(np.quantile(v, 0.95)) if v.size else np.nan,
                                 accepted_mean=float(v.mean()) if v.size else np.nan,
                                 sd_ratio=float(v.std(ddof=1) / prior_sd) if v.size > 1 else np.nan))
        return pd.DataFrame(rows)

    def readings_table(self):
        """Per reading: accepted sets and rate, and the carried starting values' accepted means."""
        import pandas as pd

        s = self.samples
        rows = []
        for r in self.readings:
            acc = s[f"accepted_{r}"]
            row = dict(reading=r, accepted=int(acc.sum()), rate=float(acc.mean()))
            for name in HANDOFF:
                if name in s.columns:
                    row[f"{name} (mean)"] = float(s.loc[acc, name].mean())
            rows.append(row)
        return pd.DataFrame(rows)

    def figures(self) -> dict:
        from .calibration_figures import calibration_readings_figure, calibration_target_figure

        figs = {}
        labels = [month_label(self.targets.start, k) for k in range(1, self.targets.horizon + 1)]
        for t in self.targets.targets:
            figs[f"figures/target_{target_key(t)}"] = calibration_target_figure(self, t, target_key(t), labels)
        if len(self.readings) > 1:
            figs["figures/readings"] = calibration_readings_figure(self)
        return figs

    def save(self, out, *, overwrite: bool = False, figure_formats=("png",), figures: bool = True):
        """Write ``accepted.csv`` (default reading), ``accepted_<reading>.csv`` (each reading, when contested),
        ``samples.csv``, ``ranges.csv``, ``readings.csv``, ``manifest.json``, the targets file and figures."""
        from ..output.io import write_outputs

        tables = {"accepted.csv": self.accepted(self.readings[0]), "samples.csv": self.samples,
                  "ranges.csv": self.ranges(), "readings.csv": self.readings_table()}
        if self.readings != ("all",):
            for r in self.readings:
                tables[f"accepted_{r}.csv"] = self.accepted(r)
        text = Path(self.targets.path).read_text(encoding="utf-8")
        figs = self.figures() if figures and figure_formats else {}
        return write_outputs(out, tables, self.manifest, figs, overwrite=overwrite, figure_formats=figure_formats,
                             extra={"calibration_targets.toml": text})

    def __repr__(self) -> str:
        m = self.manifest
        rates = ", ".join(f"{r}: {v['accepted']}/{m['sets']}" for r, v in m["acceptance"].items())
        return f"<Calibration {m['scenario']}: {m['sets']} sets x {m['replicates']} replicates; accepted {rates}>"


def _no_set_accepted(I: dict, targets: list[Target], reading: str, cutoff: float, file: str):
    """The one-line error when nothing is accepted: the target that rules out the most, and what to loosen."""
    ids = [t.id for t in targets]
    stack = np.stack([I[i] for i in ids], axis=1)
    best, best_gain = None, -1
    for k, t in enumerate(targets):  # the target whose removal would accept the most sets
        others = np.delete(stack, k, axis=1)
        gain = int((others.max(axis=1) <= cutoff).sum()) if others.shape[1] else stack.shape[0]
        alone = int((stack[:, k] <= cutoff).sum())
        if (gain, -alone) > (best_gain, best[2] if best else 0):
            best, best_gain = (t, k, -alone), gain
    t, k, _ = best
    alone = int((stack[:, k] <= cutoff).sum())
    smallest = float(np.min(stack[:, k]))
    if t.id == STARTING_STATE:
        raise UserError(f"no parameter set accepted under reading {reading!r}: the simulated state at {t.date} "
                        f"leaves the init_* plausible ranges in {stack.shape[0] - alone} of {stack.shape[0]} sets "
                        f"and without that {best_gain} would pass; loosen the targets on the first months, "
                        f"narrow history.ranges, or sample more sets", file=file, key="history")
    raise UserError(f"no parameter set accepted under reading {reading!r}: target {t.id!r} ({t.label}) rules out "
                    f"the most ({alone} of {stack.shape[0]} sets pass it alone, smallest implausibility "
                    f"{smallest:.1f} > {cutoff:g}; without it {best_gain} would pass); loosen its sd or "
                    f"[low, high], raise --cutoff, or sample more sets", file=file, key=f"target ({t.id})")


def calibrate(scenario="baseline", targets=None, n: int = 4000, replicates: int = 8, seed: int = 0, *,
              cutoff: float = CUTOFF, variance: str = "realisation", parameters=None,
              overrides: dict | None = None, solution: str = "qre",
              chunk_size: int | None = None, executor=None, workers: int | None = None,
              scheduler: str | None = None, progress: bool = False) -> Calibration:
    """Sample the scenario's uncertainty space, run each set from late 2024, keep those that meet the targets.

    Parameters
    ----------
    scenario : str, path or Scenario
    targets : path or Targets, optional
        A targets file (default: the packaged ``calibration_targets.toml``).
    n : int
        Parameter sets (Latin hypercube over the uncertainty space).
    replicates : int
        Runs per set, at least 2 (the model's spread enters the implausibility).
    seed : int
        Seeds the design and the runs.
    cutoff : float
        Largest implausibility accepted (default 3).
    variance : {"realisation", "mean"}
        What the model's spread over a set's replicates adds to the
        denominator (see :func:`implausibility`).
    parameters : list of str or dict, optional
        Vary only these (default: the targets file's ``history.vary``, less
        what the scenario fixes; without it every parameter the scenario and
        the history leave uncertain); the others keep the scenario's values
        and are not carried over.
    overrides : dict, optional
        Parameters held at a value (``--set``).
    solution, chunk_size, executor, workers, scheduler, progress
        As for :func:`alliance_sim.explore.sweep`; results do not depend on
        the chunk size, executor or workers.

    Raises
    ------
    UserError
        For bad targets or arguments (before any run), and when a reading
        accepts no set (naming the target that rules out the most).
    """
    from ..abm.choice import check_concept
    from ..domain.scenario import load_scenario
    from .designs import sample
    from .sweep import _check_int, run_design

    t0, c0 = time.perf_counter(), time.process_time()
    tg = targets if isinstance(targets, Targets) else load_targets(targets)
    sc = load_scenario(scenario)
    if overrides:
        sc = sc.with_overrides(overrides)
    n = _check_int("n", n, 2)
    replicates = _check_int("replicates", replicates, 2)
    seed = _check_int("seed", seed, 0)
    try:
        cutoff = float(cutoff)
    except (TypeError, ValueError):
        cutoff = float("nan")
    if not (math.isfinite(cutoff) and cutoff > 0):
        raise UserError(f"cutoff {cutoff!r} not allowed; allowed: a number > 0 (3 is usual)", key="cutoff")
    if variance not in VARIANCES:
        raise UserError(f"unknown variance {variance!r}; allowed: {', '.join(VARIANCES)}", key="variance")
    check_concept(solution)
    hist, shift = history_scenario(sc, tg)
    pb = _problem(sc, tg, parameters)
    H = tg.horizon
    target_metrics = list(dict.fromkeys(t.metric for t in tg.targets))
    handoff = {p: v for p, v in HANDOFF.items() if shift >= 1}
    metrics = list(dict.fromkeys(target_metrics + list(handoff.values())))
    X = sample(pb, "lhs", n, seed)
    sw = run_design(hist, pb, X, replicates=replicates, seed=seed, month=list(range(1, H + 1)), outcomes=metrics,
                    solution=solution, chunk_size=chunk_size, executor=executor, workers=workers,
                    scheduler=scheduler, progress=progress, design="lhs")
    vals = {m: np.stack([sw.values(m, k) for k in range(1, H + 1)], axis=-1) for m in metrics}  # (sets, R, H)

    import pandas as pd

    names = list(pb["names"])
    cols = {"set": np.arange(n)}
    for k, name in enumerate(names):
        cols[HISTORY_PREFIX + name if name in HANDOFF else name] = X[:, k]
    # The starting state handed over: each set's mean at the scenario's month 0. The init_* plausible ranges
    # are the registry's reading of that month's state, so a set whose history leaves them is not accepted
    # (clipping it would hand over a start its own history contradicts).
    from ..domain.parameters import PARAMETERS

    carried = [nm for nm in names if nm not in HANDOFF]
    outside = {}
    in_box = np.ones(n, dtype=bool)
    for name, var in handoff.items():
        v = vals[var][:, :, shift - 1].mean(axis=1)
        if name in COUNTED_FROM_START:
            v = v - (X[:, names.index(name)] if name in names else hist.parameters.get(name, PARAMETERS[name].default))
        spec = PARAMETERS[name]
        ok = (v >= spec.low) & (v <= spec.high)
        outside[name] = int((~ok).sum())
        in_box &= ok
        cols[name] = v
        carried.append(name)
    if shift == 0:  # the scenario starts at the history's start: its sampled starting values carry over
        carried += [nm for nm in names if nm in HANDOFF]
        for nm in names:
            if nm in HANDOFF:
                cols[nm] = cols[HISTORY_PREFIX + nm]
    I, series = {}, {}
    start_key = STARTING_STATE
    I[start_key] = np.where(in_box, 0.0, np.inf)
    cols["start_in_range"] = in_box
    for t in tg.targets:
        sim = vals[t.metric][:, :, t.month - 1]
        full = vals[t.metric]
        if t.since_month is not None:
            sim = sim - vals[t.metric][:, :, t.since_month - 1]
            full = full - vals[t.metric][:, :, t.since_month - 1:t.since_month]
        key = target_key(t)
        I[key] = implausibility(sim, t, variance)
        cols[f"I_{key}"] = I[key]
        series[key] = np.nanmean(full, axis=1)
    acceptance = {}
    for r in tg.readings:
        under = tg.under(r) + ([_starting_state(tg, shift)] if handoff else [])
        keys = [target_key(t) for t in under]
        Imax = np.max(np.stack([I[k] for k in keys], axis=1), axis=1)
        cols[f"implausibility_{r}"] = Imax
        cols[f"accepted_{r}"] = Imax <= cutoff
        if not (Imax <= cutoff).any():
            _no_set_accepted({k: I[k] for k in keys}, [replace(t, id=k) for t, k in zip(under, keys)], r, cutoff,
                             tg.path)
        acceptance[r] = {"accepted": int((Imax <= cutoff).sum()), "rate": float((Imax <= cutoff).mean()),
                         "targets": keys}
    samples = pd.DataFrame(cols)
    from ..output.io import manifest as make_manifest

    man = make_manifest(
        KIND, sc, seed=seed, solution=solution, method=METHOD, cutoff=cutoff, variance=variance, design="lhs", sets=n,
        replicates=replicates, runs=n * replicates, targets_file=tg.path, targets_sha256=tg.content_hash,
        targets=[t.as_dict() for t in tg.targets],
        history={"start": tg.start, "horizon": H, "months": [month_label(tg.start, k) for k in range(H + 1)],
                 "parameters": {k: float(v) for k, v in tg.parameters.items()},
                 "events": [dict(month=e.month, kind=e.kind) for e in hist.events]},
        handoff={"start": sc.start, "history_month": shift, "month_label": month_label(tg.start, shift),
                 "sets_outside_ranges": outside, "sets_with_start_in_ranges": int(in_box.sum()),
                 "note": "init_* columns are each set's mean simulated state at the month before the scenario's "
                         "start (casualties counted from the history's month 0); a set whose state there leaves "
                         "the init_* plausible ranges is not accepted; history_init_* are the sampled "
                         "October-2024 values"},
        prior={name: list(map(float, b)) for name, b in zip(pb["names"], pb["bounds"])},
        fixed={k: float(v) for k, v in (overrides or {}).items()},
        carried=carried, readings=list(tg.readings), default_reading=tg.readings[0],
        reading_of={"accepted.csv": tg.readings[0],
                    **({f"accepted_{r}.csv": r for r in tg.readings} if tg.readings != ("all",) else {})},
        acceptance=acceptance, failed_runs=int(sw.manifest.get("failed_runs", 0)), run=sw.manifest.get("run"),
        seconds=round(time.perf_counter() - t0, 2), cpu_seconds=round(time.process_time() - c0, 2),
        refocusing="none (one wave)")
    return Calibration(samples, series, man, tg, sc)
