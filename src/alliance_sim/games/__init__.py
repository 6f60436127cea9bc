"""Game solvers (temporary init during development)."""
from .normal_form import NormalFormGame, as_game
from .payoffs import expected_payoffs_batch, best_responses_batch, pure_equilibrium_mask
from .pure import pure_equilibria
from .vertex import mixed_equilibria
from .lemke_howson import lemke_howson
from .qre import logit_qre, logit_qre_batch
