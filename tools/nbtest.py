"""Run the notebooks as tests, as `nbdev-test` does, and end with a line `N passed, M failed`.

nbdev-test prints only `Success.`; CI and people want the count. This uses nbdev's own pieces
(config, `nbglob`, `test_nb`, fastcore's `parallel`), so flags, timeouts and skipped cells behave the same.
"""
import os, sys, time, tempfile, shutil, json
from pathlib import Path
from fastcore.script import call_parse
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb, _keep_file

@call_parse
def main(path:str=None, # a notebook or folder (default: the project's nbs/)
         flags:str='', # space-separated flags of cells to run that are normally skipped (e.g. "slow")
         n_workers:int=None, # parallel notebooks (default: the number of CPUs)
         timing:bool=True, # print each notebook's time
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
    # longest first (times of the last run on this machine), so that no long notebook starts last and runs alone
    times_file = Path(os.environ.get('BOOSTCLF_CACHE') or Path(os.environ.get('XDG_CACHE_HOME', Path.home()/'.cache'))/'boostclf')/'nbtest_times.json'
    try: last = json.loads(times_file.read_text())
    except (OSError, ValueError): last = {}
    order = sorted(files, key=lambda f: -last.get(f.name, 0))
    t0 = time.time()
    try:
        results = parallel(test_nb, order, skip_flags=skip, force_flags=flags.split(), n_workers=n_workers,
                           basepath=cfg.config_path, cell_timeout=cfg.cell_timeout or None, progress=False)
    finally: shutil.rmtree(tmp, ignore_errors=True)
    results = dict(zip(order, results)); results = [results[f] for f in files]
    if len(files) > 1:
        try: times_file.parent.mkdir(parents=True, exist_ok=True); times_file.write_text(json.dumps({**last, **{f.name: s for f, (_, s) in zip(files, results)}}))
        except OSError: pass
    for f, (ok, secs) in zip(files, results):
        print(f"{'PASS' if ok else 'FAIL'} {f.relative_to(cfg.config_path)}" + (f"  {secs:.0f}s" if timing else ''), flush=True)
    n_ok = sum(ok for ok, _ in results)
    print(f"notebooks took {time.time() - t0:.0f}s in all")
    print(f"{n_ok} passed, {len(files) - n_ok} failed")
    if n_ok < len(files): sys.exit(1)
