"""``alliance-sim odd``: the model's ODD description, its tables generated from the code."""
from __future__ import annotations


def add_commands(sub) -> None:
    p = sub.add_parser("odd", help="write the model's ODD description (tables of variables, terms, parameters, "
                                   "claims from the code) and its structure figure")
    p.add_argument("--out", default="docs/ODD.md", help="the Markdown file to write (refused if it exists, "
                                                        "unless --overwrite)")
    p.add_argument("--figure", default=None,
                   help="the structure figure to write (default: model_structure.png beside --out)")
    p.add_argument("--overwrite", action="store_true", help="replace existing --out and --figure files")
    p.set_defaults(func=cmd_odd)


def _check_file(path, overwrite: bool, key: str):
    """A file to write: a new name in an existing folder, or an existing file with --overwrite."""
    from ..errors import UserError

    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name", key=key)
    if path.exists() and not overwrite:
        raise UserError(f"{path} exists; pass --overwrite to replace it, or choose another name", key=key)
    if not path.parent.is_dir():
        raise UserError(f"folder {path.parent} does not exist", key=key)
    return path


def cmd_odd(args) -> int:
    import os
    import tempfile
    from pathlib import Path

    import matplotlib.pyplot as plt

    from ..output.odd import odd_markdown, structure_figure

    out = _check_file(Path(args.out), args.overwrite, "--out")
    figure = _check_file(Path(args.figure) if args.figure else out.with_name("model_structure.png"),
                         args.overwrite, "--figure")
    text = odd_markdown()
    fig = structure_figure()
    # both files are made beside their targets first and moved into place only when both exist
    with tempfile.NamedTemporaryFile("w", dir=out.parent, suffix=".md.tmp", delete=False) as f:
        f.write(text)
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(f.name, 0o666 & ~mask)  # the user's usual permissions, not the temporary file's 0600
    fig_tmp = figure.with_name(f".{figure.stem}.{os.getpid()}.tmp{figure.suffix}")
    try:
        fig.savefig(fig_tmp, dpi=150)
    except BaseException:
        Path(f.name).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    os.replace(f.name, out)
    os.replace(fig_tmp, figure)
    print(f"wrote {out} ({len(text.splitlines())} lines) and {figure}")
    return 0
