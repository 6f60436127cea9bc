"""``alliance-sim odd``: the model's ODD description, its tables generated from the code."""
from __future__ import annotations


def add_commands(sub) -> None:
    p = sub.add_parser("odd", help="write the model's ODD description (tables of variables, terms, parameters, "
                                   "claims from the code) and its structure figure")
    p.add_argument("--out", default="docs/ODD.md", help="the Markdown file to write")
    p.add_argument("--figure", default=None,
                   help="the structure figure to write (default: model_structure.png beside --out)")
    p.set_defaults(func=cmd_odd)


def cmd_odd(args) -> int:
    from pathlib import Path

    import matplotlib.pyplot as plt

    from ..output.odd import odd_markdown, structure_figure

    out = Path(args.out)
    figure = Path(args.figure) if args.figure else out.with_name("model_structure.png")
    text = odd_markdown()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    fig = structure_figure()
    fig.savefig(figure, dpi=150)
    plt.close(fig)
    print(f"wrote {out} ({len(text.splitlines())} lines) and {figure}")
    return 0
