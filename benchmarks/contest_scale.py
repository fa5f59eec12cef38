"""The contest's own shape as a standing benchmark: a demo contest of the seed's shape (500 classes, 30 training
images a class, 10,000 test images) at web-like image sizes (200-900 px a side, JPEG and PNG), run step by step
on the command line as a team would: check, EDA, dedup, training (one fold, resnet10t at 48 px, one epoch: the
pipeline, not the accuracy), prediction with flip TTA, submission, a second run and the ensemble, Grad-CAM,
errors and the report.

Each step runs in its own process. For each it prints the wall time, the peak memory of the step's whole process
tree (sampled proportional set size of the process and every worker it starts, so shared pages count once), and
the size of every HTML file it wrote. The baseline, measured in the same run, is a plain pass that decodes every
image of the contest once with Pillow in one process; each step's time is also given as a ratio to it.

With several `--fraction`s, the contest is cut to that share of its images per class and of its test set (hard
links to the same files, 500 classes kept) and every step is run again; each step's growth exponent is the
slope of log(time - start-up) against log(fraction), where start-up is the step's time on a tiny contest.
The bounds of the issue are checked and printed (PASS/FAIL); nothing is asserted.

    python benchmarks/contest_scale.py --fraction 0.25 0.5 1     # full shape, about 40 minutes on 2 cores
    python benchmarks/contest_scale.py --quick                   # a tiny contest, for the tests
"""
import os, time, json, shutil, tempfile, subprocess
from pathlib import Path
from typing import Annotated
from fastcore.script import call_parse, store_true

GB = 1e9

def tree_memory(pid:int) -> int:
    "Bytes held by process `pid` and its descendants: PSS where the kernel gives it (shared pages split), else RSS"
    import psutil
    try: root = psutil.Process(pid); procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess: return 0
    total = 0
    for p in procs:
        try:
            try: total += p.memory_full_info().pss
            except (psutil.AccessDenied, AttributeError): total += p.memory_info().rss
        except psutil.NoSuchProcess: pass
    return total

def run_step(cmd:list, cwd:Path, log:Path, every:float=0.25) -> dict:
    "Run `cmd`, sampling its process tree's memory; return wall time, peak bytes and exit code"
    t0 = time.perf_counter()
    with open(log, 'wb') as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, 'PYTHONUNBUFFERED': '1'})
        peak = 0
        while p.poll() is None:
            peak = max(peak, tree_memory(p.pid)); time.sleep(every)
    return dict(seconds=time.perf_counter() - t0, peak=peak, rc=p.returncode)

def peak_rss() -> int:
    "This process's peak resident memory in bytes: VmHWM, which starts afresh at exec (Linux's ru_maxrss is kept across fork and exec, so a script started from a large process would report that process's peak)"
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmHWM:'): return int(line.split()[1]) * 1024
    except OSError: pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def run_in_process(fn, *args) -> dict:
    "The `--quick` path: call `fn` here and time it (memory is the whole process's)"
    t0 = time.perf_counter(); fn(*args)
    return dict(seconds=time.perf_counter() - t0, peak=peak_rss(), rc=0)

def subset(full:Path, dest:Path, fraction:float, n_test:int|None=None) -> Path:
    "A contest with `fraction` of each class's training images (at least 2) and of the test set (or `n_test`): same files, hard-linked"
    import pandas as pd
    train, test = pd.read_csv(full/'train.csv'), pd.read_csv(full/'test.csv')
    tr = pd.concat([g.head(max(2, round(len(g) * fraction))) for _, g in train.groupby('class_name', sort=False)])
    te = test.head(n_test if n_test is not None else max(2, round(len(test) * fraction)))
    for split, df in (('train', tr), ('test', te)):
        for rel in df.image_path:
            d = dest/split/rel; d.parent.mkdir(parents=True, exist_ok=True)
            try: os.link(full/split/rel, d)
            except OSError: shutil.copyfile(full/split/rel, d)
    tr.to_csv(dest/'train.csv', index=False); te.to_csv(dest/'test.csv', index=False)
    return dest

def baseline_decode(data:Path) -> float:
    "Seconds to decode every image of the contest once with Pillow, in one process"
    from PIL import Image
    t0 = time.perf_counter()
    for f in sorted(p for p in data.rglob('*') if p.suffix.lower() in ('.jpeg', '.jpg', '.png')):
        with Image.open(f) as im: im.load()
    return time.perf_counter() - t0

CONFIG = """data: {{path: {data}, img_size: 48, resize: {resize}, aug: sketch}}
model: {{name: resnet10t, head: linear}}
train: {{epochs: 1, bs: 64, lr: 0.01}}
cv: {{n_folds: 2, folds: [0], groups: {dups}}}
output: {out}
"""

def steps(data:Path, w:Path) -> list:
    "(name, command) of a contest, in the order a team runs them"
    for n, r in (('a', 'pad'), ('b', 'squish')):
        (w/f'{n}.yaml').write_text(CONFIG.format(data=data, resize=r, dups=w/'duplicates.csv', out=w/'runs'/n))
    ra, rb = w/'runs'/'a', w/'runs'/'b'
    return [('check', ['boostclf-check', str(data)]),
            ('eda', ['boostclf-eda', str(data), '--out', str(w/'eda')]),
            ('dedup', ['boostclf-dedup', str(data), '--out', str(w/'duplicates.csv')]),
            ('train', ['boostclf-train', str(w/'a.yaml')]),
            ('predict', ['boostclf-predict', str(ra), '--tta', 'hflip']),
            ('submit', ['boostclf-submit', str(ra/'test_hflip.npz'), str(data), '--out', str(w/'submission_a.csv')]),
            ('train 2nd', ['boostclf-train', str(w/'b.yaml')]),
            ('predict 2nd', ['boostclf-predict', str(rb), '--tta', 'hflip']),
            ('ensemble', ['boostclf-ensemble', str(ra/'test_hflip.npz'), str(rb/'test_hflip.npz'), '--fit-weights', 'logloss',
                          '--out', str(w/'ensemble'/'submission.csv')]),
            ('cam', ['boostclf-cam', str(ra), '--out', str(w/'cams'), '--n', '8']),
            ('errors', ['boostclf-errors', str(ra), '--out', str(w/'errors')]),
            ('report', ['boostclf-report', str(ra), str(rb), '--out', str(w/'report.html'), '--eda', str(w/'eda'),
                        '--ensemble', str(w/'ensemble'/'ensemble.csv'), '--submission', str(w/'ensemble'/'submission.csv')])]

def html_sizes(w:Path) -> dict:
    return {str(f.relative_to(w)): f.stat().st_size for f in sorted(w.rglob('*.html'))}

def run_contest(data:Path, w:Path, label:str) -> dict:
    "Every step on the contest at `data`, each in its own process; stops at the first failure"
    w.mkdir(parents=True, exist_ok=True); (w/'logs').mkdir(exist_ok=True)
    res = {}
    for name, cmd in steps(data, w):
        r = run_step(cmd, w, w/'logs'/f"{name.replace(' ', '_')}.log")
        res[name] = r
        print(f"  {label:>8} {name:12} {r['seconds']:8.1f} s {r['peak'] / GB:7.2f} GB" + ('' if r['rc'] == 0 else f"  FAILED (exit {r['rc']}), see {w/'logs'}"), flush=True)
        if r['rc'] != 0: raise SystemExit(f"step {name} failed on {data}: {(w/'logs'/(name.replace(' ', '_') + '.log')).read_text()[-2000:]}")
    return res

def exponent(fracs:list, times:list, start:float) -> float:
    "Least-squares slope of log(time - start-up) against log(fraction)"
    import numpy as np
    x = np.log(np.asarray(fracs)); y = np.log(np.maximum(np.asarray(times) - start, 0.05))
    return float(np.polyfit(x, y, 1)[0]) if len(fracs) > 1 else float('nan')

def report(results:dict, fracs:list, base:float, draw:dict, work:Path):
    "The table, the exponents and the bounds"
    top = results[max(fracs)]
    names = [k for k in top if k != 'html']
    print("\n| step | time (s) | peak memory (GB) | time / baseline decode |" + (" growth exponent |" if len(fracs) > 1 else ''))
    print("|---|---|---|---|" + ("---|" if len(fracs) > 1 else ''))
    print(f"| make-demo | {draw['seconds']:.0f} | {draw['peak'] / GB:.2f} | {draw['seconds'] / base:.2f} |" + (" |" if len(fracs) > 1 else ''))
    exps = {}
    for n in names:
        line = f"| {n} | {top[n]['seconds']:.0f} | {top[n]['peak'] / GB:.2f} | {top[n]['seconds'] / base:.2f} |"
        if len(fracs) > 1:
            exps[n] = exponent(fracs, [results[f][n]['seconds'] for f in fracs], results['start-up'][n]['seconds'])
            line += f" {exps[n]:.2f} (start-up {results['start-up'][n]['seconds']:.0f} s) |"
        print(line)
    print(f"| baseline: decode every image once (Pillow, 1 process) | {base:.0f} | | 1.00 |" + (" |" if len(fracs) > 1 else ''))
    print("\nHTML files:", ', '.join(f"{k} {v / 1e6:.2f} MB" for k, v in top['html'].items()))
    if max(fracs) < 1: print("\n(bounds apply at the full shape; this run stopped at", max(fracs), ")"); return
    checks = [("every step <= 4 GB", all(top[n]['peak'] <= 4 * GB for n in names) and draw['peak'] <= 4 * GB),
              ("dedup <= 120 s", top['dedup']['seconds'] <= 120),
              ("every HTML file <= 5 MB", all(v <= 5e6 for v in top['html'].values()))]
    if exps: checks.append(("check, eda, predict, errors, report at most linear (exponent <= 1.1)",
                            all(exps[n] <= 1.1 for n in ('check', 'eda', 'predict', 'errors', 'report'))))
    for name, ok in checks: print(f"{'PASS' if ok else 'FAIL'}  {name}")
    (work/'contest_scale.json').write_text(json.dumps(dict(results={str(k): v for k, v in results.items()}, baseline=base, draw=draw, exponents=exps), indent=1))

def quick_run(work:Path):
    "The same steps through the library, in this process, on a tiny contest: keeps the script alive in the tests"
    from boostclf.demo import make_demo_contest
    from boostclf.data import load_contest, check_contest
    from boostclf.eda import save_eda
    from boostclf.dedup import find_duplicates, removal_plan, save_duplicates
    from boostclf.config import load_config
    from boostclf.train import fit_folds
    from boostclf.inference import predict
    data = make_demo_contest(work/'data', n_classes=3, per_class=8, n_test=6, seed=0, size_range=(200, 300))
    base = baseline_decode(data)
    res = dict(check=run_in_process(check_contest, data), eda=run_in_process(save_eda, data, work/'eda'))
    def dedup():
        c = load_contest(data); d = find_duplicates(c); save_duplicates(d, removal_plan(d, c), work/'duplicates.csv')
    res['dedup'] = run_in_process(dedup)
    cfg = load_config(dict(data=dict(path=str(data), img_size=32, cache=False), model=dict(name='resnet10t', head='linear'),
                           train=dict(epochs=1, bs=8), cv=dict(n_folds=2, folds=[0]), output=str(work/'runs'/'a')))
    res['train'] = run_in_process(fit_folds, cfg, False, 'cpu')
    res['predict'] = run_in_process(lambda: predict(work/'runs'/'a', tta='hflip', device='cpu'))
    res['html'] = html_sizes(work)
    report({1.0: res}, [1.0], base, dict(seconds=0.0, peak=0), work)
    return res

@call_parse
def main(quick:store_true=False, # a tiny contest, steps called in this process (the tests run this)
         fraction:Annotated[float, "shares of the full contest to run, e.g. 0.25 0.5 1 (default: 1)", {'nargs': '+'}]=None,
         out:str=None, # working folder (default: a temporary one, deleted at the end)
         keep:store_true=False, # keep the working folder
         n_classes:int=500, # classes
         per_class:int=30, # training images per class
         n_test:int=10000, # test images
         min_side:int=200, # image sides are drawn between this ...
         max_side:int=900, # ... and this (px)
        ):
    "Run a whole contest of the seed's shape step by step; print time, peak memory, HTML sizes, exponents and bounds"
    work = Path(out or tempfile.mkdtemp(prefix='contest-scale-')); work.mkdir(parents=True, exist_ok=True)
    try:
        if quick: return quick_run(work)
        fracs = sorted(set(fraction if isinstance(fraction, list) else [fraction or 1.0]))
        print(f"contest: {n_classes} classes x {per_class} images, {n_test} test images, sides {min_side}-{max_side} px; "
              f"{os.cpu_count()} CPU(s); fractions {fracs}", flush=True)
        full = work/'data'
        draw = run_step(['boostclf-make-demo', str(full), '--n-classes', str(n_classes), '--per-class', str(per_class), '--n-test', str(n_test),
                         '--min-side', str(min_side), '--max-side', str(max_side)], work, work/'make_demo.log')
        if draw['rc']: raise SystemExit((work/'make_demo.log').read_text()[-2000:])
        print(f"  make-demo: {draw['seconds']:.1f} s, {draw['peak'] / GB:.2f} GB (process tree)", flush=True)
        base = baseline_decode(full)
        print(f"  baseline, every image decoded once with Pillow in one process: {base:.1f} s", flush=True)
        # start-up: the same steps on a tiny contest of the same classes (2 images a class, 2 test images)
        tiny = subset(full, work/'tiny'/'data', 0, n_test=2) if len(fracs) > 1 else None
        results = {}
        if tiny is not None: results['start-up'] = run_contest(tiny, work/'tiny'/'w', 'start-up')
        for f in fracs:
            data = full if f == 1 else subset(full, work/f'f{f}'/'data', f)
            results[f] = run_contest(data, work/f'f{f}'/'w', f'x{f}')
            results[f]['html'] = html_sizes(work/f'f{f}'/'w')
        report(results, fracs, base, draw, work)
    finally:
        if not keep and out is None: shutil.rmtree(work, ignore_errors=True)
