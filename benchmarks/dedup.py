"""Duplicate finding on the demo contest: boostclf's `find_duplicates` against imagededup's PHash, on the same
JPEG and PNG images of several hundred pixels a side, in one run. imagededup is scored at its best-F1 threshold
on this data (its default of 10 pairs many unrelated sketches). Prints images/s, pair recall and precision of
each, and boostclf's peak memory on 25k images (the increase over its process's footprint after imports,
measured in a process of its own). Asserts nothing.

    pip install 'boostclf[dedup-bench]'     # imagededup, for this benchmark only
    python benchmarks/dedup.py
    python benchmarks/dedup.py --quick      # small sizes, for the tests
"""
import importlib, os, sys, time, json, subprocess, tempfile, logging
from pathlib import Path
from fastcore.script import call_parse, store_true

def _vm(key):
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(key): return int(line.split()[1]) * 1024
    return None

def memory_child(data):
    "Run in a fresh process: peak RSS increase of find_duplicates over the footprint after imports"
    from boostclf.data import load_contest
    from boostclf.dedup import find_duplicates
    for m in ('numpy', 'pandas', 'PIL'): importlib.import_module(m)  # already imported by boostclf; named to make the baseline explicit
    contest = load_contest(data, images='none')
    base = _vm('VmRSS:')
    try: Path('/proc/self/clear_refs').write_text('5')  # reset the peak (VmHWM) to the current RSS
    except OSError: pass
    t0 = time.perf_counter(); report = find_duplicates(contest); secs = time.perf_counter() - t0
    peak = _vm('VmHWM:')
    print(json.dumps(dict(images=len(contest.train) + len(contest.test), base_mb=base / 2**20, peak_mb=peak / 2**20,
                          increase_mb=(peak - base) / 2**20, seconds=secs, groups=int(report.group_id.nunique()))))

def pairs_of_groups(groups):
    "Unordered member pairs of each group"
    out = set()
    for ms in groups:
        ms = sorted(ms)
        out |= {(ms[a], ms[b]) for a in range(len(ms)) for b in range(a + 1, len(ms))}
    return out

def recall_precision(found, planted):
    tp = len(found & planted)
    return tp / max(1, len(planted)), tp / max(1, len(found))

@call_parse
def main(quick:store_true=False, # small sizes, to check that the script runs
         out:str=None, # working folder (default: a temporary one)
         n_classes:int=30, # demo classes
         per_class:int=40, # demo images per class
         n_test:int=300, # demo test images
         memory_images:int=25000, # images for the memory measurement (0 to skip)
         child:str=None, # internal: run the memory measurement on this data folder
        ):
    "Print speed, recall and precision of boostclf and imagededup, and boostclf's memory on many images"
    if child: return memory_child(child)
    from boostclf.demo import make_demo_contest, load_manifest
    from boostclf.data import load_contest
    from boostclf.dedup import find_duplicates
    from boostclf.core import optional_import
    optional_import('imagededup', 'dedup-bench', 'this benchmark')
    from imagededup.methods import PHash
    logging.disable(logging.INFO)
    if quick: n_classes, per_class, n_test, memory_images = 4, 10, 20, 600
    work = Path(out or tempfile.mkdtemp()); work.mkdir(parents=True, exist_ok=True)
    data = make_demo_contest(work/'data', n_classes, per_class, n_test, seed=0, size_range=(300, 600), overwrite=True)
    contest, man = load_contest(data), load_manifest(data)
    n = len(contest.train) + len(contest.test)
    planted = pairs_of_groups([[tuple(m) for m in g['members']] for g in man['groups']])
    print(f"demo contest: {n} images (JPEG and PNG, 300-600 px a side), {len(man['groups'])} planted groups, {len(planted)} planted pairs")

    t0 = time.perf_counter(); report = find_duplicates(contest); bc_secs = time.perf_counter() - t0
    bc_found = pairs_of_groups([list(zip(g.split, g.image_path)) for _, g in report.groupby('group_id')])
    bc_r, bc_p = recall_precision(bc_found, planted)

    ph = PHash(verbose=False)
    t0 = time.perf_counter()
    enc = {}
    for split in ('train', 'test'):
        m = ph.encode_images(image_dir=str(data/split), recursive=True, num_enc_workers=os.cpu_count() or 1)
        enc.update({f'{split}\t{k}': v for k, v in m.items()})
    enc_secs = time.perf_counter() - t0
    best = None
    for thr in range(0, 33, 2):
        t0 = time.perf_counter()
        dups = ph.find_duplicates(encoding_map=enc, max_distance_threshold=thr, num_dist_workers=os.cpu_count() or 1)
        s = time.perf_counter() - t0
        found = {tuple(sorted((tuple(a.split('\t')), tuple(b.split('\t'))))) for a, bs in dups.items() for b in bs}
        r, p = recall_precision(found, planted)
        f1 = 2 * r * p / max(1e-9, r + p)
        if best is None or f1 > best[0]: best = (f1, thr, r, p, s)
        if thr == 10: default = (r, p)
    f1, thr, id_r, id_p, search_secs = best
    id_secs = enc_secs + search_secs

    print(f"\n{'method':44}{'img/s':>8}{'recall':>8}{'precision':>11}")
    print(f"{'boostclf find_duplicates (flips on)':44}{n / bc_secs:8.0f}{bc_r:8.3f}{bc_p:11.3f}")
    print(f"{f'imagededup PHash, best-F1 threshold {thr}':44}{n / id_secs:8.0f}{id_r:8.3f}{id_p:11.3f}")
    print(f"{'imagededup PHash, default threshold 10':44}{'':8}{default[0]:8.3f}{default[1]:11.3f}")
    print(f"\nspeed ratio boostclf / imagededup: {id_secs / bc_secs:.2f}x  (both end to end: decode, hash, search)")

    if memory_images:
        per = max(2, memory_images // 100)
        big = make_demo_contest(work/'many', 100, per - 1, memory_images - 100 * (per - 1), seed=1, size_range=(96, 160),
                                plant=False, overwrite=True)
        res = subprocess.run([sys.executable, __file__, '--child', str(big)], capture_output=True, text=True)
        if res.returncode: sys.exit(res.stderr[-2000:])
        m = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"\nmemory on {m['images']} images: +{m['increase_mb']:.0f} MB over {m['base_mb']:.0f} MB after imports "
              f"(peak {m['peak_mb']:.0f} MB), {m['seconds']:.1f}s, {m['images'] / m['seconds']:.0f} img/s")
