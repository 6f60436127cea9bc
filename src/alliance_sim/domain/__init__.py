"""The world the articles describe, as pure functions over arrays.

Actors and their stage games (``actors``), every number with its range and
claims (``parameters``), the state (``state``), the mechanisms the articles
argue (``mechanisms``), each actor's cited payoff terms (``payoffs``), how the
world moves (``dynamics``), the claims registry (``claims``), scenario files
(``scenario``) and the recorded metrics (``metrics``). Nothing here imports
Mesa or any layer above.
"""
