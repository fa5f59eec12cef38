"""Check that the notebooks are numbered in data-flow order: no exported module imports a module whose notebook comes later.

A notebook's number says where it sits in the data flow (core, data, demo, EDA, duplicates, config, models, loaders, training,
inference, ...); a module that imports a later one breaks that reading order, and usually a dependency that points the wrong
way. Imports inside functions count too. Prints each offending pair and exits 1 on any.
"""
import json, re, sys
from pathlib import Path

def notebook_of_module(nbs:Path) -> dict:
    "module name -> notebook file name (without .ipynb), from each notebook's `default_exp`"
    out = {}
    for nb in nbs.rglob('*.ipynb'):
        if any(p.startswith(('.', '_')) for p in nb.relative_to(nbs).parts): continue
        cells = json.loads(nb.read_text())['cells']
        m = re.search(r'#\|\s*default_exp\s+(\S+)', ''.join(cells[0]['source'])) if cells else None
        if m: out[m[1]] = nb.stem
    return out

def imports(src:str) -> set:
    "boostclf modules a module imports, at the top or inside functions"
    return set(re.findall(r'^\s*from (?:\.|boostclf\.)(\w+) import', src, re.M)) | set(re.findall(r'^\s*import boostclf\.(\w+)', src, re.M))

def main(root:str='.'):
    root = Path(root); where = notebook_of_module(root/'nbs')
    bad = [(where[m], m, where[d], d) for m in sorted(where) for d in sorted(imports((root/'boostclf'/f'{m}.py').read_text()))
           if d in where and d != m and where[d] > where[m]]
    for nb, m, dnb, d in bad: print(f"{nb}.ipynb (boostclf.{m}) imports boostclf.{d}, whose notebook {dnb}.ipynb comes later")
    if bad: sys.exit("renumber the notebooks (insert with a letter suffix) so that each one comes after everything it imports")
    print(f"notebook order: {len(where)} modules, each after everything it imports")

if __name__ == '__main__': main(*sys.argv[1:])
