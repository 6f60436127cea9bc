"""Month-36 outcomes of every shipped scenario under three solution concepts, as a Markdown table.

    python docs/outcomes.py --replicates 500 --seed 1 > docs/outcomes.md

For each scenario and concept (logit QRE at the default rationality, at the top
of the rationality range, and Nash): the mean at month 36 of PRK troops in
Russia, cumulative PRK casualties, the blood debt, alliance strength, the
share of runs with a ceasefire and with a US-PRK deal, the front, and the
share of months in which Russia mediated and PRK answered the US. The last
table gives each scenario's difference from baseline and whether its sign
holds under all three concepts (within two paired standard errors).
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import alliance_sim as a
from alliance_sim.domain.scenario import shipped

CONCEPTS = {"QRE (default)": {}, "QRE, rationality 12": {"overrides": {"rationality": 12.0}},
            "Nash": {"solution": "nash"}}
METRICS = {"prk_troops_in_russia": "troops (k)", "prk_casualties": "casualties (k)", "blood_debt": "blood debt",
           "alliance_strength": "alliance", "ceasefire": "ceasefire", "us_prk_deal": "deal", "front": "front"}
SIGNS = ("prk_troops_in_russia", "alliance_strength", "us_prk_deal")


def run_all(replicates: int, seed: int) -> dict:
    out = {}
    for concept, kw in CONCEPTS.items():
        for sc in shipped():
            out[concept, sc] = a.run(sc, replicates=replicates, seed=seed, **kw).trajectories
    return out


def levels(runs) -> pd.DataFrame:
    rows = []
    for (concept, sc), df in runs.items():
        last = df[df["step"] == df["step"].max()]
        row = {"scenario": sc, "concept": concept}
        row.update({label: last[m].mean() for m, label in METRICS.items()})
        row["Russia mediates"] = df["action_RUS"].astype(str).str.endswith("mediate").mean()
        row["PRK answers"] = (~df["action_PRK"].astype(str).str.endswith("refuse")).mean()
        rows.append(row)
    return pd.DataFrame(rows)


def differences(runs) -> pd.DataFrame:
    rows = []
    for sc in shipped():
        if sc == "baseline":
            continue
        row = {"scenario": sc}
        for m in SIGNS:
            signs, shown = set(), []
            for concept in CONCEPTS:
                x = runs[concept, sc]
                b = runs[concept, "baseline"]
                d = x.loc[x["step"] == 36, m].to_numpy() - b.loc[b["step"] == 36, m].to_numpy()
                mean, se = d.mean(), d.std(ddof=1) / np.sqrt(d.size)
                signs.add(int(np.sign(mean)) if abs(mean) > 2 * se + 1e-9 else 0)
                shown.append(f"{mean:+.2f}")
            row[METRICS[m]] = " / ".join(shown) + ("" if {-1, 1} <= signs else " ✓")
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """A Markdown table (pandas' ``to_markdown`` needs tabulate, which this project does not)."""
    def cell(v):
        return f"{v:.2f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "| " + " | ".join("---" for _ in df.columns) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    runs = run_all(args.replicates, args.seed)
    print(f"Month 36, {args.replicates} replicates, seed {args.seed}. Means over replicates; ceasefire and "
          f"deal are shares of runs; 'Russia mediates' and 'PRK answers' are shares of months.\n")
    print(markdown(levels(runs)))
    print("\nDifference from baseline at month 36 under QRE (default) / QRE at rationality 12 / Nash; ✓: the "
          "sign holds under all three (a difference within two paired standard errors counts as none).\n")
    print(markdown(differences(runs)))


if __name__ == "__main__":
    main()
