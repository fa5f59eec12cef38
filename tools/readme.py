"""Write README.md from nbs/index.ipynb (what `nbdev-readme` does, without Quarto); `--check` fails on drift."""
import sys, re
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter
from fastcore.script import call_parse, store_true

ROOT = Path(__file__).resolve().parent.parent

def render(nb_path:Path) -> str:
    "Markdown of `nb_path` without hidden cells and `#|` directives"
    nb = nbformat.read(nb_path, as_version=4)
    keep = []
    for c in nb.cells:
        lines = c.source.splitlines()
        if c.cell_type == 'code' and any(re.match(r'#\|\s*hide\b', l) for l in lines): continue
        if c.cell_type == 'code': c.source = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
        if c.source or c.get('outputs'): keep.append(c)
    nb.cells = keep
    body, _ = MarkdownExporter(exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(nb)
    body = re.sub(r'\n{3,}', '\n\n', body).strip() + '\n'
    return '<!-- This file is made from nbs/index.ipynb by tools/readme.py: edit that notebook, not this file. -->\n\n' + body

@call_parse
def main(check:store_true=False, # only compare; exit 1 if README.md is out of date
        ):
    "Regenerate README.md from nbs/index.ipynb"
    text, dest = render(ROOT/'nbs'/'index.ipynb'), ROOT/'README.md'
    if check:
        if not dest.exists() or dest.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `python tools/readme.py` and commit the result")
        print("README.md matches nbs/index.ipynb")
    else: dest.write_text(text); print(f"wrote {dest}")
