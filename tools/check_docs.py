"""Check the docs site as far as we can without Quarto (which cannot be installed here; the GitHub workflow renders it).

After `nbdev-proc-nbs` has written `_proc/`, this checks that:
- every notebook in nbs/ is in the sidebar (nbs/sidebar.yml), and every sidebar entry exists;
- every `boostclf.module` or `boostclf.module.name` that the prose names in backticks imports and resolves;
- every backticked call in the prose, `name()`, resolves to a symbol nbdev can link (boostclf's index or an installed library's);
- the processed notebooks in `_proc/` exist for every notebook and carry nbdev's links to boostclf's own pages.
Prints what failed and exits 1 on any failure.
"""
import importlib, re, sys
import nbformat, yaml
from nbdev.config import get_config
from nbdev.doclinks import NbdevLookup

def _resolve(name:str) -> bool:
    "Import `boostclf.mod[.attr...]`"
    parts = name.split('.')
    for i in range(len(parts), 0, -1):
        try: obj = importlib.import_module('.'.join(parts[:i]))
        except ImportError: continue
        try:
            for p in parts[i:]: obj = getattr(obj, p)
            return True
        except AttributeError: return False
    return False

def main():
    cfg = get_config(); nbs = cfg.nbs_path; root = cfg.config_path
    fails = []
    notebooks = sorted(p.relative_to(nbs).as_posix() for p in nbs.rglob('*.ipynb') if not any(x.startswith(('_', '.')) for x in p.relative_to(nbs).parts))
    side = yaml.safe_load((nbs/'sidebar.yml').read_text())
    listed = []
    def walk(x):
        if isinstance(x, str): listed.append(x)
        elif isinstance(x, list): [walk(i) for i in x]
        elif isinstance(x, dict): [walk(v) for k, v in x.items() if k in ('contents', 'sidebar', 'website')]
    walk(side)
    for n in notebooks:
        if n not in listed: fails.append(f"nbs/{n} is not in nbs/sidebar.yml")
    for n in listed:
        if n.endswith('.ipynb') and not (nbs/n).is_file(): fails.append(f"nbs/sidebar.yml lists {n}, which does not exist")
    look = NbdevLookup()
    n_refs = 0
    for n in notebooks:
        for c in nbformat.read(nbs/n, 4).cells:
            if c.cell_type != 'markdown': continue
            for t in re.findall(r'(?<!`)`([^`\n]+)`(?!`)', c.source):
                if not re.fullmatch(r'[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?', t): continue
                name = t[:-2] if t.endswith('()') else t
                if name.startswith('boostclf.') or name == 'boostclf':
                    n_refs += 1
                    if not _resolve(name): fails.append(f"nbs/{n}: `{t}` does not resolve (renamed or removed?)")
                elif t.endswith('()'):
                    n_refs += 1
                    if look[name] is None and not _resolve(f'boostclf.{name}'): fails.append(f"nbs/{n}: `{t}` is not a symbol nbdev can link")
    proc = root/'_proc'
    if not proc.is_dir(): fails.append("_proc/ is missing: run nbdev-proc-nbs first")
    else:
        for n in notebooks:
            if not (proc/n).is_file(): fails.append(f"_proc/{n} missing: nbdev-proc-nbs did not process nbs/{n}")
        linked = sum(str(cfg.doc_host).rstrip('/') in (proc/n).read_text() for n in notebooks if (proc/n).is_file())
        if linked == 0: fails.append(f"no processed notebook links to {cfg.doc_host}: nbdev's linking did not run")
    for f in fails: print('FAIL', f)
    print(f"docs check: {len(notebooks)} notebooks, {n_refs} symbol references checked, {len(fails)} problem(s)")
    sys.exit(1 if fails else 0)

if __name__ == '__main__': main()
