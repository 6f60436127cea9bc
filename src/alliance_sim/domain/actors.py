"""The six state actors, the stage games ("arenas") they play each month, and their action sets.

Three arenas a month, chosen so that what the articles link is decided together:

- ``bargain``: the linked game of the US, Russia and PRK, played in turn
  (an offer, Russia's reaction, PRK's answer). The US chooses
  whether to table its offer to PRK and whether to move on the US-Russia
  track; Russia whether to reward PRK (cash plus sensitive technology) and
  whether to mediate or block US-PRK talks; PRK its deployment in Russia
  together with its answer to the US (refuse, or talk through Russia or
  through Seoul). Expanding the deployment while talking is not an action:
  a deal must cover the troops (``deal.cover_troops``).
- ``front``: Ukraine (counter or defend), South Korea (shuttle diplomacy or
  deterrence) and China (endorse a deal or shield PRK), each choosing against
  the state of the world (the forces present, the channel PRK used, the
  talks' momentum); their choices move the state the bargain is played in.
- ``crisis``: in a Korean crisis (a ``korean_crisis`` event), Russia chooses
  whether and how to honour the treaty: fully, in a limited way, or not.

Every payoff term belongs to one arena, so the month's game is the product of
its arenas and solving each arena is exact (the product game's logit QRE and
Nash equilibria factor into the arenas').
"""
from __future__ import annotations

from dataclasses import dataclass

ACTORS: tuple[str, ...] = ("USA", "RUS", "PRK", "KOR", "CHN", "UKR")

ACTOR_NAMES: dict[str, str] = {
    "USA": "United States",
    "RUS": "Russia",
    "PRK": "North Korea (DPRK)",
    "KOR": "South Korea (ROK)",
    "CHN": "China",
    "UKR": "Ukraine",
}

# Early 2025, the state from which an explanation starts when an action is not given: Russia
# rewards and resists a wedge, PRK sustains its deployment and refuses talks, the US holds,
# Seoul deters, Beijing shields, Ukraine counters; Russia would honour the treaty.
STATUS_QUO: dict[str, dict[str, str]] = {
    "USA": {"bargain": "hold"}, "RUS": {"bargain": "reward/block", "crisis": "honour"},
    "PRK": {"bargain": "sustain/refuse"}, "KOR": {"front": "deter"}, "CHN": {"front": "shield"},
    "UKR": {"front": "counter"},
}


@dataclass(frozen=True)
class Arena:
    """A stage game: its players (in axis order) and each one's actions.

    An action label may have parts (``"draw_down/russia"``): ``Acts.i`` matches
    a whole label or one part. ``when`` names a state variable: the arena is
    played only in months where it is positive for some replicate.
    ``recorded``: its actions are the ``action_<CODE>`` columns of the table.
    ``sequential``: the players move in turn (in ``players`` order), each
    seeing the moves before it, rather than at once. ``independent``: no
    payoff depends on another player's action, so the game is a set of
    decision problems (its equilibrium is each player's own logit choice).
    """

    name: str
    players: tuple[str, ...]
    actions: tuple[tuple[str, ...], ...]
    meaning: str
    when: str | None = None
    recorded: bool = True
    sequential: bool = False  # players move in turn, in ``players`` order, each seeing the moves before
    independent: bool = False  # no player's payoff depends on another's action: each decides alone

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.actions)

    def actions_of(self, actor: str) -> tuple[str, ...]:
        return self.actions[self.players.index(actor)]


BARGAIN = Arena(
    name="bargain",
    players=("USA", "RUS", "PRK"),
    actions=(
        ("hold", "offer", "track", "offer/track"),  # USA: its PRK offer, the US-Russia track, both
        ("reward/mediate", "reward/block", "restrain/mediate", "restrain/block"),  # RUS: towards PRK / US-PRK talks
        ("expand/refuse", "sustain/refuse", "draw_down/refuse",  # PRK: deployment / answer to the US
         "sustain/russia", "sustain/seoul", "draw_down/russia", "draw_down/seoul"),
    ),
    meaning="The linked bargain, in the order the articles describe: the US moves (its offer to PRK, the "
    "US-Russia track), Russia reacts (rewards to PRK, mediating or blocking talks), PRK answers (its "
    "deployment, and refusing or talking through Russia or Seoul).",
    sequential=True,
)

FRONT = Arena(
    name="front",
    players=("UKR", "KOR", "CHN"),
    actions=(
        ("counter", "defend"),  # UKR: contest ground and target PRK units, or hold
        ("shuttle", "deter"),  # KOR: shuttle diplomacy, or deterrence first
        ("endorse", "shield"),  # CHN: back a deal and enforce sanctions, or shelter PRK
    ),
    meaning="Ukraine, South Korea and China, each choosing against the state of the war and the talks.",
    independent=True,
)

CRISIS = Arena(
    name="crisis",
    players=("RUS",),
    actions=(("honour", "limited", "abandon"),),
    meaning="A Korean crisis: PRK calls in the treaty and Russia chooses whether and how to honour it.",
    when="crisis",
    recorded=False,
)

ARENAS: tuple[Arena, ...] = (BARGAIN, FRONT, CRISIS)


def arenas_of(actor: str, *, recorded_only: bool = False) -> tuple[Arena, ...]:
    """The arenas an actor plays in, in the fixed order of ``ARENAS``."""
    return tuple(a for a in ARENAS if actor in a.players and (a.recorded or not recorded_only))


def _check_actors() -> None:
    """Every actor has a name, a recorded arena and a status quo action in each arena: checked at import."""
    for code in ACTORS:
        arenas = arenas_of(code)
        ok = (code in ACTOR_NAMES and arenas_of(code, recorded_only=True)
              and set(STATUS_QUO.get(code, {})) == {a.name for a in arenas}
              and all(STATUS_QUO[code][a.name] in a.actions_of(code) for a in arenas))
        if not ok:
            raise ValueError(f"actor {code}: needs a name, a recorded arena and a status quo action in each arena")


def check_actor(actor: str) -> str:
    """Return the actor code upper-cased, or raise naming the allowed codes."""
    from ..errors import UserError

    code = str(actor).upper()
    if code not in ACTORS:
        raise UserError(f"unknown actor {actor!r}; allowed: {', '.join(ACTORS)}", key="actor")
    return code


_check_actors()
