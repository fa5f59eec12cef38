"""Run the notebooks as tests, as `nbdev-test` does, and end with a line `N passed, M failed`.

nbdev-test prints only `Success.`; CI and people want the count. This uses nbdev's own pieces
(config, `nbglob`, `test_nb`, fastcore's `parallel`), so flags, timeouts and skipped cells behave the same.

The notebooks keep their outputs in git (the docs pages show them). Each run also checks them: a cell
that shows a figure or a table when it runs here must show the same kind of output in the committed
notebook, or the notebook fails as stale. `--outputs` runs the notebooks and writes what each cell
shows back into them (figures, tables, the fit log; progress as epoch lines without timings), which is
how the committed outputs are made.
"""
import os, sys, time, tempfile, shutil, json
from pathlib import Path
from fastcore.script import call_parse
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb, _keep_file
import nbdev.test

def _kinds(cell) -> set:
    "What a code cell shows: 'figure' (an image), 'table' (an HTML table), 'text'"
    ks = set()
    for o in cell.get('outputs', []):
        data = o.get('data', {})
        html = data.get('text/html', '')
        if any(k.startswith('image/') for k in data): ks.add('figure')
        elif '<table' in (''.join(html) if isinstance(html, list) else html): ks.add('table')
        elif o.get('output_type') == 'stream' or 'text/plain' in data: ks.add('text')
    return ks

def _code_cells(nb) -> dict:
    return {c['id']: c for c in nb['cells'] if c['cell_type'] == 'code' and c.get('id')}

def stale_outputs(executed:dict, committed:dict) -> list:
    "Cells that show a figure or table when run but not that kind in the committed notebook"
    old = _code_cells(committed)
    out = []
    for cid, c in _code_cells(executed).items():
        shown = _kinds(c) & {'figure', 'table'}
        if shown and not shown <= _kinds(old.get(cid, {})): out.append((cid, sorted(shown), sorted(_kinds(old.get(cid, {})))))
    return out

def _run(fn, capture:str, progress_mode:str|None=None, **kwargs):
    "`test_nb` on `fn`, keeping the executed notebook (with its outputs) in `capture` instead of writing over `fn`"
    if progress_mode: os.environ['BOOSTCLF_PROGRESS'] = progress_mode  # for each notebook: a test may have changed it in this worker
    from fastcore.nbio import write_nb
    nbdev.test.write_nb = lambda nb, path: write_nb(nb, Path(capture)/(Path(path).parent.name + '__' + Path(path).name))
    from functools import partial
    from execnb.shell import CaptureShell
    nbdev.test.CaptureShell = partial(CaptureShell, mpl_format='png')  # figures at their own size, not doubled for retina screens
    return test_nb(fn, save=True, **kwargs)

def _tidy(outputs:list, tmp:Path) -> list:
    "Outputs as a page should show them: no terminal control codes, no temporary folders, the home folder as ~, no IPython input names"
    import re
    def clean(t):
        t = ''.join(t) if isinstance(t, list) else t
        t = re.sub(r'\x1b\[[0-9;]*[A-Za-z]|\r', '', t)
        t = re.sub(re.escape(str(tmp)) + r'/[^/\s\'"]+', '/tmp/…', t)
        t = t.replace(str(Path.home()) + '/', '~/')  # the caches under the home folder, as a reader's own machine would name them
        return re.sub(r'<ipython-input-\d+-[0-9a-f]+>:\d+: ', '', t)
    out = []
    for o in outputs:
        o = dict(o)
        if o.get('output_type') == 'stream':
            o['text'] = clean(o['text'])
            if not o['text'].strip(): continue
            if o.get('name') == 'stderr' and 'site-packages/' in o['text'] and 'Warning' in o['text']: continue  # a dependency's own warning
        elif 'data' in o: o['data'] = {k: clean(v) if k in ('text/plain', 'text/html') else v for k, v in o['data'].items()}  # tables show paths too
        out.append(o)
    return out

def write_outputs(nb_file:Path, executed:dict, tmp:Path):
    "Copy each code cell's outputs from the executed notebook into `nb_file`, cell by cell (by id), tidied"
    nb = json.loads(nb_file.read_text())
    ran = _code_cells(executed)
    for c in nb['cells']:
        if c['cell_type'] == 'code' and c.get('id') in ran: c['outputs'] = _tidy(ran[c['id']].get('outputs', []), tmp)
    nb_file.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

@call_parse
def main(path:str=None, # a notebook or folder (default: the project's nbs/)
         flags:str='', # space-separated flags of cells to run that are normally skipped (e.g. "slow")
         n_workers:int=None, # parallel notebooks (default: the number of CPUs)
         timing:bool=True, # print each notebook's time
         outputs:bool=False, # write the outputs of the run into the notebooks (then run nbdev-clean and commit them)
        ):
    "Test the notebooks in parallel and print `N passed, M failed`"
    cfg = get_config()
    path = Path(path) if path else cfg.nbs_path
    skip = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags)
    files = [path.absolute()] if path.is_file() else [f.absolute() for f in sorted(nbglob(path, as_path=True)) if _keep_file(f, '.notest')]
    # notebooks run side by side, one per core: give each one thread for torch/BLAS, or they oversubscribe the cores
    # and every notebook slows down (measured: the whole run took longer with 2 workers x 2 threads on 2 cores)
    workers = n_workers or os.cpu_count() or 1
    if workers > 1 and len(files) > 1:
        for v in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'): os.environ.setdefault(v, str(max(1, (os.cpu_count() or 1) // workers)))
    # every temporary folder the notebooks (and the commands they start) make goes under one folder, removed at the end:
    # training tests write checkpoints, and a shared disk fills up if each run leaves them behind
    tmp = Path(tempfile.mkdtemp(prefix='boostclf-tests-'))
    os.environ['TMPDIR'] = str(tmp); tempfile.tempdir = None
    capture = tmp/'_executed'; capture.mkdir()

    # longest first (times of the last run on this machine), so that no long notebook starts last and runs alone
    cache_dir = Path(os.environ.get('BOOSTCLF_CACHE') or Path(os.environ.get('XDG_CACHE_HOME', Path.home()/'.cache'))/'boostclf')
    times_file = cache_dir/'nbtest_times.json'
    # image caches the tests build for their throwaway contests are removed at the end (the cached demo runs stay, so
    # that the next run is fast); without this, each run left about 60 cache files behind
    caches_before = set(cache_dir.glob('*.npy'))
    try: last = json.loads(times_file.read_text())
    except (OSError, ValueError): last = {}
    order = sorted(files, key=lambda f: -last.get(f.name, 0))
    t0 = time.time()
    try:
        # the workers find `_run` by module name: running a notebook replaces a process's `__main__` with IPython's
        import importlib; runner = importlib.import_module(Path(__file__).stem)._run
        results = parallel(runner, order, capture=str(capture), progress_mode='epochs' if outputs else None, skip_flags=skip, force_flags=flags.split(), n_workers=n_workers,
                           basepath=cfg.config_path, cell_timeout=cfg.cell_timeout or None, progress=False)
        results = dict(zip(order, results)); results = [results[f] for f in files]
        stale = {}
        for i, f in enumerate(files):
            ex = capture/(f.parent.name + '__' + f.name)
            if not (results[i][0] and ex.is_file()): continue
            executed = json.loads(ex.read_text())
            if outputs: write_outputs(f, executed, tmp)
            elif (bad := stale_outputs(executed, json.loads(f.read_text()))):
                stale[f] = bad; results[i] = (False, results[i][1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for f in set(cache_dir.glob('*.npy')) - caches_before: f.unlink(missing_ok=True)
    for f, bad in stale.items():
        print(f"STALE OUTPUTS {f.relative_to(cfg.config_path)}: " + '; '.join(f"cell {cid} shows {'+'.join(k)} but the committed notebook has {'+'.join(o) or 'nothing'}" for cid, k, o in bad[:5])
              + " (run `python tools/nbtest.py --outputs`, then nbdev-clean, and commit)", flush=True)
    if len(files) > 1:
        try: times_file.parent.mkdir(parents=True, exist_ok=True); times_file.write_text(json.dumps({**last, **{f.name: s for f, (_, s) in zip(files, results)}}))
        except OSError: pass
    for f, (ok, secs) in zip(files, results):
        print(f"{'PASS' if ok else 'FAIL'} {f.relative_to(cfg.config_path)}" + (f"  {secs:.0f}s" if timing else ''), flush=True)
    n_ok = sum(ok for ok, _ in results)
    print(f"notebooks took {time.time() - t0:.0f}s in all")
    print(f"{n_ok} passed, {len(files) - n_ok} failed")
    if n_ok < len(files): sys.exit(1)
