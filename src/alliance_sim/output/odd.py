"""The model described in the ODD protocol (Grimm et al. 2020), its tables generated from the code.

``alliance-sim odd --out docs/ODD.md --overwrite`` writes it (and ``docs/model_structure.png``,
``structure_figure``), so the tables of state variables, arenas, payoff
terms, parameters and claims are always the code's own.
"""
from __future__ import annotations

from ..domain.actors import ACTOR_NAMES, ARENAS
from ..domain.metrics import DERIVED, FLOWS
from ..domain.state import VARIABLES

_TEXT = """# alliance_sim: model description (ODD protocol)

This document follows the ODD protocol (Overview, Design concepts, Details) in the form of Grimm et al.
(2020), "The ODD protocol for describing agent-based and other simulation models: a second update to
improve clarity, replication, and structural realism", *Journal of Artificial Societies and Social
Simulation* 23(2) 7. Its tables are generated from the code by `alliance-sim odd --out docs/ODD.md --overwrite`; do
not edit them by hand.

## 1. Purpose and patterns

**Purpose.** To let policy researchers ask what-if questions about the Russia-North Korea (PRK) alliance
and the strategic game around it: what a US offer, a Ukraine ceasefire, Russian mediation, a South Korean
engagement government, a Korean crisis or the war's direction does to PRK's deployment in Russia, the
"blood debt" its sacrifice creates, the alliance, and the chance of a US-PRK deal. The model encodes the
arguments of four analysis articles (Vu; the Lowy Institute's Interpreter; Terwilliger; Brown), kept as a
registry of claims in the project's own words (`seeds/claims.toml`), and one study of alliance
reliability. It is an explanatory and exploratory model, not a forecast: every mechanism is an argument
from the articles, every number a parameter with a plausible range.

**Patterns the model must reproduce** (each a behaviour test in `tests/test_behaviour.py`):
with the war on, the old offer and Russia blocking, PRK keeps refusing; a US move on the US-Russia track
makes Russian mediation likelier; a fuller US offer and a ceasefire are complements; PRK's engagement comes
with a smaller deployment; more PRK casualties raise Russia's honouring of the treaty in a Korean crisis,
and honouring is lower for a crisis beyond PRK's borders; a faltering Russia needs PRK more and pays more;
escalation means more troops, casualties and blood debt. No direction may come from choice noise alone:
each scenario's month-36 difference from baseline keeps its sign under the default logit QRE, at the top
of the rationality range and under Nash.

## 2. Entities, state variables and scales

**Agents.** Six state actors, Mesa agents (`abm/agents.py`, `StateActor`), coded by ISO 3166 alpha-3:
{actors}. Each carries its action sets and its payoff function: the sum of its cited payoff terms in each
stage game it plays.

**Stage games ("arenas").** Each month the actors play three games; every payoff term belongs to one, so
the month's game is their product and solving each is exact.

{arenas}

**Global state.** One value per replicate (the model advances all replicates of an ensemble together):

{variables}

**Scales.** One step is one month; runs start in January 2025 (a scenario may change this) and last 36
months by default. Troops, workers and casualties are in thousands; blood debt in thousand casualties,
fading; indices in [0, 1] (the front in [-1, 1]).

## 3. Process overview and scheduling

Each month, in this order (`abm/model.py`, `AllianceModel.step`):

1. the scenario's events for the month are applied (a ceasefire, a new US offer, a new government in
   Seoul, a troop wave, a Korean crisis, any parameter change);
2. each arena played this month is solved: every player states its payoff tensor at the current state,
   then the **bargain** is solved backwards (PRK's answer at every history, then Russia's reaction to
   each US move, then the US move: agent logit QRE) and played forwards, the US moving first; the
   **front** (Ukraine, South Korea, China, each against the state) and, in a crisis, Russia's decision
   are solved as logit choices (`abm/choice.py`);
3. the agents draw their actions from their strategies, each with its own random numbers, and score
   their realised payoffs;
4. the world moves (`domain/dynamics.py`, `transition`): casualties, blood debt, technology, the war and
   the front, Russia's personnel shortage, a settlement, US-Russia relations, talks and a deal, sanctions,
   the alliance, and the actors' expectations of one another;
5. the month is recorded (the tidy table; Mesa's `DataCollector` keeps the means).

## 4. Design concepts

- **Basic principles.** Actors choose by solving the stage games they are in, not by rules: the payoffs
  are sums of terms, each resting on claims that argue what it does, in the direction it does it. The
  linkage the articles put at the centre (a US-PRK deal depends on US-Russia ties and must not come at
  Russia's expense; a deal must cover PRK's troops; the blood debt binds Russia) is inside one game, the
  bargain, played in the order the articles describe: an offer, Russia's reaction, PRK's answer.
- **Why a sequence, solved backwards.** The articles describe moves in turn, each side seeing what the
  other did. Solving the bargain backwards gives each mover the anticipated answer of those after it, a
  unique agent logit QRE at any rationality, and, as rationality grows, subgame-perfect play. A joint
  normal-form game of the same actions would leave coordination failures (nobody offers because nobody
  would answer) to equilibrium selection by choice noise, which is what made results depend on the
  solution concept.
- **Emergence.** Deployments, the blood debt, the alliance's strength, the front, settlements and deals
  emerge from the monthly choices and the transition; none is scripted except by a scenario's events.
- **Adaptation and objectives.** Each actor maximises its stage payoff with logit noise (`rationality`,
  or a per-actor precision); under `--solution nash` and `pure`, best responses.
- **Learning and prediction.** Actors do not learn across months; PRK's expected casualties, Seoul's
  channel and China's posture use expectations that follow the others' recent choices (`belief_adjust`).
- **Sensing.** Actors see the whole state; in the bargain, later movers see earlier moves.
- **Interaction.** Through the games' payoffs (within a month) and the state (across months).
- **Stochasticity.** Choices are drawn from the equilibrium strategies; casualties, war intensity, the
  front, a deal and a settlement carry noise. Replicate `i` draws all its noise from
  `SeedSequence(seed, spawn_key=(i,))`, so it is the same alone or in any batch.
- **Collectives.** None beyond the states themselves.
- **Observation.** The tidy table: one row per replicate and month, every state variable, Russia's
  obligation, the month's casualties, each actor's realised payoff and action.

## 5. Initialisation

The January 2025 state comes from the `init_*` parameters (defaults and ranges below), citing the dated
figures the articles report (the first wave of about 11,000 troops, the casualties reported over the
winter, the treaty in force); the second wave (February 2025) is an event in every shipped scenario.
Expectations start at the status quo (Ukraine countering in Kursk; China's posture at no information).
With `--calibrated FOLDER` (`alliance-sim calibrate`), each replicate instead starts from one accepted
parameter set's own simulated December 2024, from a history run from October 2024 and matched to the dated
figures in `seeds/calibration_targets.toml` (history matching, implausibility cut-off 3).

## 6. Input data

None at run time besides the scenario file: events and parameter values (`scenarios/*.toml`; a file may
`extends` others, and events may be timed `after` another), and, with `--calibrated`, a calibration's
accepted parameter sets.

## 7. Submodels

**Payoff terms.** Each is `weight x feature(state, actions, parameters)`; the weight is a parameter, the
claims are the weight's and the term's own:

{terms}

**Transition.** `domain/dynamics.py`: casualties follow the deployment, war intensity, experience and
Ukraine's counters, with noise; losses are replaced unless PRK draws down; as fighting ebbs, soldiers
become workers and a few workers go home each month; the blood debt adds each month's casualties and
fades slowly; Russia pays technology while it rewards, at the shortage; the war returns to its level (a
ceasefire's residual under a ceasefire), pushed up by counters; the front moves with Russia's push (less
the shortage), PRK's contribution and Ukraine's counters, and freezes under a ceasefire; the shortage
follows the war's need less what PRK troops fill and eases only slowly after the war; a settlement may
come when the US moves on the track and Russia takes it up (scenario `us_russia_settlement`); US-Russia
relations rise with that cooperation and after a settlement; talks gain momentum with progress, a deal
comes with momentum at the table; sanctions pressure is eroded by Russia's cover, raised or lowered by
China, tightened by failed talks unless Russia backs PRK, relieved by a deal; the alliance grows with the
exchange and the blood debt, fades to the treaty's floor without exchange, and loses strength when PRK
closes a deal Russia blocked or Russia abandons PRK in a crisis.

**Parameters.** Every number, with its plausible range (the uncertainty space of sensitivity analysis)
and the claims it rests on:

{parameters}

**Claims.** The registry, in the project's own words:

{claims}
"""


def _table(rows, columns) -> str:
    head = "| " + " | ".join(columns) + " |\n| " + " | ".join("---" for _ in columns) + " |\n"
    def cell(v) -> str:  # list columns (claims) as "a, b"
        return ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)

    return head + "".join("| " + " | ".join(cell(r[c]).replace("|", "/").replace("\n", " ") for c in columns)
                          + " |\n" for r in rows)


def odd_markdown() -> str:
    """The ODD description with its tables filled from the code."""
    from ..domain.claims import claims
    from ..domain.parameters import parameters
    from ..domain.payoffs import terms

    actors = ", ".join(f"{c} ({n})" for c, n in ACTOR_NAMES.items())
    arenas = _table([dict(arena=a.name, players=", ".join(a.players),
                          actions="; ".join(f"{p}: {', '.join(acts)}" for p, acts in zip(a.players, a.actions)),
                          order="in turn" if a.sequential else "at once",
                          when=f"while `{a.when}` > 0" if a.when else "every month", meaning=a.meaning)
                     for a in ARENAS], ["arena", "players", "actions", "order", "when", "meaning"])
    variables = _table([dict(variable=f"`{k}`", unit=u, meaning=m) for k, (u, m) in
                        {**VARIABLES, **{k: v[:2] for k, v in DERIVED.items()}, **FLOWS}.items()],
                       ["variable", "unit", "meaning"])
    t = terms()
    term_rows = t.assign(term=t["term"].map(lambda x: f"`{x}`"), weight=t["weight"].map(lambda x: f"`{x}`"))
    p = parameters()
    param_rows = p.assign(name=p["name"].map(lambda x: f"`{x}`"), range=p["low"].map("{:g}".format) + " to "
                          + p["high"].map("{:g}".format), default=p["default"].map("{:g}".format))
    c = claims()
    claim_rows = c.assign(id=c["id"].map(lambda x: f"`{x}`"))
    return _TEXT.format(
        actors=actors, arenas=arenas, variables=variables,
        terms=_table(term_rows.to_dict("records"), ["actor", "arena", "term", "weight", "meaning", "claims"]),
        parameters=_table(param_rows.to_dict("records"), ["name", "default", "range", "unit", "meaning", "claims"]),
        claims=_table(claim_rows.to_dict("records"), ["id", "source", "locator", "kind", "text"]))


def structure_figure():
    """A picture of the model: the three games, who plays them, and the state they move."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(11, 6.2))
    ax.set_xlim(0, 11)
    ax.set_ylim(0, 6.2)
    ax.axis("off")

    def box(x, y, w, h, title, lines, color):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", fc=color, ec="0.3"))
        ax.text(x + w / 2, y + h - 0.25, title, ha="center", va="top", fontsize=10, weight="bold")
        ax.text(x + 0.15, y + h - 0.65, "\n".join(lines), ha="left", va="top", fontsize=7.5, family="monospace")

    def arrow(a, b, text=""):
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=14, lw=1.2, color="0.25"))
        if text:
            ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.12, text, fontsize=7.5, ha="center", color="0.25")

    bargain, front, crisis = ARENAS
    box(0.2, 2.6, 4.6, 3.4, "bargain (in turn: US, Russia, PRK)",
        [f"1 USA: {', '.join(bargain.actions_of('USA'))}", f"2 RUS: {', '.join(bargain.actions_of('RUS')[:2])},",
         f"       {', '.join(bargain.actions_of('RUS')[2:])}", "3 PRK: deployment x answer",
         "       expand|sustain|draw_down", "       / refuse|russia|seoul", "solved backwards: agent logit QRE"],
        "#dbe9f6")
    box(0.2, 0.3, 4.6, 2.0, "front (at once, each against the state)",
        [f"UKR: {', '.join(front.actions_of('UKR'))}", f"KOR: {', '.join(front.actions_of('KOR'))}",
         f"CHN: {', '.join(front.actions_of('CHN'))}"], "#e4f2e1")
    box(8.5, 4.3, 2.3, 1.7, "crisis (in a crisis)", ["RUS: honour,", "     limited,", "     abandon"], "#f7e3d5")
    box(5.6, 0.3, 2.2, 5.7, "state (monthly)",
        ["war_intensity", "ceasefire", "front", "prk_troops", "casualties", "blood_debt", "tech_transfer",
         "personnel_shortage", "sanctions", "alliance", "us_russia_rel.", "us_prk_talks", "us_prk_deal",
         "expectations", "crisis"], "#f2f2f2")
    box(8.5, 0.3, 2.3, 3.6, "scenario events",
        ["ceasefire", "us_offer", "russia_mediates", "kor_government", "troop_wave", "korean_crisis", "set"],
        "#fbf3d0")
    arrow((4.9, 4.7), (5.5, 4.7), "actions")
    arrow((5.5, 3.4), (4.9, 3.4), "payoffs")
    arrow((4.9, 1.3), (5.5, 1.3), "actions")
    arrow((8.4, 5.1), (7.9, 5.1), "actions")
    arrow((8.4, 2.0), (7.9, 2.0), "set, add")
    ax.set_title("alliance_sim: each month, three games on one state", fontsize=12)
    fig.tight_layout()
    return fig
