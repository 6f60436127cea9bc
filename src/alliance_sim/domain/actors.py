"""The six state actors, the arenas they play in and their action sets.

A month's stage game is the product of two arenas. Each actor's payoff is a
sum of terms and every term belongs to exactly one arena, so the product
game's logit QRE (and its Nash equilibria) factor into the arenas' own:
solving the arenas separately is exact, not an approximation. Russia and
North Korea play in both arenas; their monthly action is the pair.
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
# Seoul deters, Beijing shields. ``war/talks`` for actors in both arenas.
STATUS_QUO: dict[str, str] = {"USA": "hold", "RUS": "reward/block", "PRK": "sustain/refuse", "KOR": "deter",
                              "CHN": "shield", "UKR": "defend"}


@dataclass(frozen=True)
class Arena:
    """A stage game: its players (in axis order) and each one's actions."""

    name: str
    players: tuple[str, ...]
    actions: tuple[tuple[str, ...], ...]
    meaning: str

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.actions)

    def actions_of(self, actor: str) -> tuple[str, ...]:
        return self.actions[self.players.index(actor)]


WAR = Arena(
    name="war",
    players=("RUS", "PRK", "UKR"),
    actions=(
        ("reward", "restrain"),  # RUS: cash + sensitive technology, or cash only
        ("expand", "sustain", "draw_down"),  # PRK: send a new wave, keep, withdraw
        ("counter", "defend"),  # UKR: contest ground / target PRK units, or hold
    ),
    meaning="The Russia-PRK exchange of troops and munitions for cash and technology, "
    "fought against Ukraine.",
)

TALKS = Arena(
    name="talks",
    players=("USA", "PRK", "RUS", "KOR", "CHN"),
    actions=(
        ("offer", "hold"),  # USA: table its current offer, or keep pressure
        ("engage", "refuse"),  # PRK
        ("mediate", "block"),  # RUS: broker and share US limits, or resist a wedge
        ("shuttle", "deter"),  # KOR: shuttle diplomacy, or deterrence first
        ("endorse", "shield"),  # CHN: back a deal and enforce, or shelter PRK
    ),
    meaning="US-PRK negotiation, with Russia able to mediate or block, South Korean "
    "shuttle diplomacy as the other channel, and China's posture.",
)

ARENAS: tuple[Arena, ...] = (WAR, TALKS)


def _check_actors() -> None:
    """Every actor has a name, a status quo that fits its arenas, and plays somewhere: checked at import."""
    for code in ACTORS:
        arenas = arenas_of(code)
        labels = STATUS_QUO[code].split("/")
        if code not in ACTOR_NAMES or not arenas or len(labels) != len(arenas) or any(
                label not in arena.actions_of(code) for label, arena in zip(labels, arenas)):
            raise ValueError(f"actor {code}: needs a name, an arena and a status quo action in each arena")


def arenas_of(actor: str) -> tuple[Arena, ...]:
    """The arenas an actor plays in, in the fixed order of ``ARENAS``."""
    return tuple(a for a in ARENAS if actor in a.players)


def check_actor(actor: str) -> str:
    """Return the actor code upper-cased, or raise naming the allowed codes."""
    from ..errors import UserError

    code = str(actor).upper()
    if code not in ACTORS:
        raise UserError(f"unknown actor {actor!r}; allowed: {', '.join(ACTORS)}", key="actor")
    return code


_check_actors()
