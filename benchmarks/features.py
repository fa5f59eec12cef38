"""The features road against fine-tuning with a frozen body: wall time and held-out accuracy of one fold, three arms
side by side in one run, from the same pretrained checkpoint (`demo_checkpoint`: resnet10t pretrained here on a demo
contest of other classes, saved with timm's keys), the same linear head, the same epochs, augmentation off, test
prediction left out of every arm:

- features:  `train.features: true`: the backbone runs once per image and view (plain and flipped, V = 2), in eval
             mode, and the head trains on the cached features;
- blocks 0:  `train.train_blocks: 0`: the fine-tuning road with the body truly frozen (eval mode, no gradients), so the
             backbone runs on every image in every epoch;
- fine_tune: `train.schedule: fine_tune` with every epoch frozen: fastai's `freeze()`, batch norm still training.

For 1, 5 and 20 head epochs it prints each arm's seconds (end to end: `fit_folds`, the image cache warm for all arms,
the feature cache cold for every features run), the images each arm sent through the backbone, held-out accuracy, and
the ratios: the features arm against its floor (one backbone pass per image and view, timed just before it) and the
blocks-0 arm against the features arm. One run of a second or two on a shared machine can be off by a third, so the
floor and the arms run `--repeats` times (3 by default) back to back, each ratio is taken within a repeat, and the
median across repeats is printed with its range. Beside the features arm's time beyond its floor it prints what the
same head's training costs in a plain fastai `Learner` and in a plain PyTorch loop, on the same cached features: the
share of the remainder that is the training loop itself. With `--contest-shape` it also times the contest's shape (500 classes,
15k training and 10k test images, resnet18 at 128 px): the features once, then a 5-fold linear head.
Asserts nothing; removes its runs and caches when done.

    python benchmarks/features.py                  # demo target: 10 classes x 20 images, 48 px, epochs 1 5 20
    python benchmarks/features.py --img-size 96    # the same at 96 px, where the backbone is a larger share of an epoch
    python benchmarks/features.py --contest-shape  # and the contest's shape (long: it draws 25k images)
    python benchmarks/features.py --quick          # seconds, for the tests
"""
import os, shutil, tempfile, time
from pathlib import Path
import pandas as pd, torch
from fastcore.script import call_parse, store_true

def _count_images():
    "A fastai callback counting the images its fit sends through the model (training and validation batches)"
    from fastai.callback.core import Callback
    class CountImages(Callback):
        n = 0
        def after_pred(self): CountImages.n += len(self.xb[0])
    return CountImages

def _arm_config(arm, data, ckpt, out, epochs, img_size, bs, lr, name='resnet10t', n_folds=4, folds=(0,)):
    from boostclf.config import load_config
    train = dict(epochs=epochs, lr=lr, bs=bs)
    if arm == 'features': train['features'] = True
    elif arm == 'blocks 0': train['train_blocks'] = 0
    else: train.update(schedule='fine_tune', freeze_epochs=epochs)
    return load_config(dict(data=dict(path=str(data), img_size=img_size, aug='none'), model=dict(name=name, head='linear', pretrained=True, weights=str(ckpt)),
                            train=train, cv=dict(n_folds=n_folds, folds=list(folds) if folds else None), seed=0, output=str(out)))

def _head_loops(dls, epochs:int, lr:float) -> tuple:
    """Seconds to train the features arm's head (linear, one-cycle, `epochs`, a validation each epoch) on the arm's own
    loaders (`feature_dls`) in a plain fastai `Learner` and in a plain PyTorch loop: what the training loop alone costs"""
    from torch import nn
    from fastai.learner import Learner
    from fastai.metrics import accuracy
    from fastai.losses import CrossEntropyLossFlat
    from fastai.callback.progress import ProgressCallback
    head = lambda: nn.Linear(dls.n_features, len(dls.vocab))
    learn = Learner(dls, head(), loss_func=CrossEntropyLossFlat(), metrics=[accuracy])
    learn.remove_cb(ProgressCallback); learn.logger = lambda *a: None
    t0 = time.perf_counter(); learn.fit_one_cycle(epochs, lr); fa = time.perf_counter() - t0
    tr, va, m = dls.train.dataset, dls.valid.dataset, head()
    n_batches = len(tr) // dls.train.bs if dls.train.drop_last else -(-len(tr) // dls.train.bs)
    opt = torch.optim.AdamW(m.parameters(), lr); sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * n_batches)
    xv, yv = va.pick(torch.arange(len(va)))
    t0 = time.perf_counter()
    for _ in range(epochs):
        for i in torch.randperm(len(tr))[:n_batches * dls.train.bs].split(dls.train.bs):
            x, y = tr.pick(i)
            loss = nn.functional.cross_entropy(m(x), y); opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        with torch.no_grad(): nn.functional.cross_entropy(m(xv), yv)
    return fa, time.perf_counter() - t0

def _drop_features(cache:Path):
    for f in cache.glob('*-features.npy'): f.unlink()

def _contest_shape(work:Path, threads:int):
    "The contest's shape: 500 classes x 30 training images, 10k test images; resnet18 at 128 px, random weights (timing only)"
    from boostclf.demo import make_demo_contest
    from boostclf.data import load_contest
    from boostclf.config import load_config
    from boostclf.features import backbone_features
    from boostclf.models import save_weights
    from boostclf.train import fit_folds
    import timm
    t0 = time.perf_counter()
    data = make_demo_contest(work/'shape', n_classes=500, per_class=30, n_test=10_000, seed=0, plant=False, size_range=(160, 320))
    made = time.perf_counter() - t0
    ckpt = work/'resnet18.safetensors'; save_weights(timm.create_model('resnet18'), ckpt)
    cfg = load_config(dict(data=dict(path=str(data), img_size=128, aug='none'), model=dict(name='resnet18', head='linear', pretrained=True, weights=str(ckpt)),
                           train=dict(features=True, epochs=10, bs=256, lr=1e-2), cv=dict(n_folds=5), output=str(work/'shape_run')))
    c = load_contest(data)
    t0 = time.perf_counter(); backbone_features(cfg, c.train_files(), 'cpu'); feats = time.perf_counter() - t0
    t0 = time.perf_counter(); run = fit_folds(cfg, device='cpu'); heads = time.perf_counter() - t0
    print(f"\ncontest shape (500 classes, {len(c.train)} training images; drawn in {made:.0f} s), resnet18 at 128 px, {threads} threads: "
          f"features of 2 views {feats:.0f} s ({2 * len(c.train) / feats:.0f} images/s), then a 5-fold linear head, 10 epochs, from the cache: {heads:.0f} s "
          f"(OOF accuracy of random weights {run.summary.oof_accuracy:.3f}: timing only)")

@call_parse
def main(quick:store_true=False, # seconds: a tiny contest, one budget
         epochs:str='1 5 20', # head epochs, space-separated
         img_size:int=48, # input side (the checkpoint was pretrained at 48 px; larger inputs make the backbone a larger share of each epoch)
         contest_shape:store_true=False, # also time the contest's shape: resnet18 at 128 px, features once then a 5-fold linear head
         shape_only:store_true=False, # time the contest's shape alone
         threads:int=2, # torch threads
         repeats:int=3, # repeats of the floor and the three arms, back to back; the median ratio counts, as timings on a shared machine drift
        ):
    "Print seconds, backbone passes and held-out accuracy of the features road, a truly frozen body and fastai's freeze, and their ratios"
    work = Path(tempfile.mkdtemp(prefix='boostclf-features-'))
    saved_cache = os.environ.get('BOOSTCLF_CACHE')
    from boostclf.loaders import default_cache_dir
    shared = default_cache_dir()/'demo_checkpoint'  # the transfer study's checkpoint, made once and kept
    os.environ['BOOSTCLF_CACHE'] = str(work/'cache')  # image and feature caches of this run alone, removed at the end
    from boostclf.transfer import demo_checkpoint
    from boostclf.demo import make_demo_contest
    from boostclf.data import load_contest
    from boostclf.features import backbone_features, feature_dls, release_backbone, FEATURE_PASSES
    from boostclf.loaders import image_cache
    from boostclf.models import input_config
    from boostclf.train import fit_folds
    torch.set_num_threads(threads)
    budgets = [1, 2] if quick else [int(e) for e in epochs.split()]
    repeats = 1 if quick else repeats
    img_size, bs, lr = (32, 8, 1e-2) if quick else (img_size, 16, 1e-2)
    cache = work/'cache'
    try:
        if shape_only: return _contest_shape(work, threads)
        ckpt = demo_checkpoint(work/'ckpt', n_classes=6, per_class=10, epochs=2) if quick else demo_checkpoint(shared)
        target = make_demo_contest(work/'target', n_classes=4 if quick else 10, per_class=8 if quick else 20, n_test=4 if quick else 100, seed=0, plant=False)
        contest = load_contest(target)
        ic = input_config('resnet10t', img_size)
        image_cache(contest.train_files(), img_size, 'pad', cache, interpolation=ic['interpolation'])  # warm for every arm
        floor_cfg = _arm_config('features', target, ckpt, work/'floor', 1, img_size, bs, lr)
        def timed_floor():  # the backbone built, one pass per image and view, the cache written: what any features run must do
            _drop_features(cache); release_backbone()  # every arm builds its own backbone, as a fresh command would
            t0 = time.perf_counter(); backbone_features(floor_cfg, contest.train_files(), 'cpu', cache_dir=cache); sec = time.perf_counter() - t0
            release_backbone(); return sec
        Count = _count_images()
        rows = []
        # the machine's speed drifts over seconds: each repeat times the floor and the three arms back to back, ratios are
        # taken within a repeat, and their median across repeats is the figure
        for r in range(repeats):
            for e in budgets:
                row = dict(repeat=r, epochs=e, floor=timed_floor())
                for arm in ('features', 'blocks 0', 'fine_tune'):
                    _drop_features(cache)
                    cfg = _arm_config(arm, target, ckpt, work/'runs'/f'{arm.replace(" ", "_")}_{e}_{r}', e, img_size, bs, lr)
                    Count.n, n0 = 0, FEATURE_PASSES['images']
                    t0 = time.perf_counter(); run = fit_folds(cfg, device='cpu', callbacks=[Count()]); row[arm] = time.perf_counter() - t0
                    row[f'{arm} images'] = FEATURE_PASSES['images'] - n0 if arm == 'features' else Count.n
                    row[f'{arm} accuracy'] = run.summary.oof_accuracy
                    if arm == 'features':  # the same head in fastai's loop alone and in a plain PyTorch loop, on the features just cached
                        dls = feature_dls(cfg, contest, pd.read_csv(run.file('folds')), 0, 'cpu'); release_backbone()
                        row['fastai loop'], row['torch loop'] = _head_loops(dls, e, lr)
                    shutil.rmtree(run.path, ignore_errors=True)
                rows.append(row)
        t = pd.DataFrame(rows)
        t['features / floor'], t['blocks 0 / features'], t['fine_tune / features'] = t.features / t.floor, t['blocks 0'] / t.features, t.fine_tune / t.features
        med = t.groupby('epochs').median(numeric_only=True)
        print(f"one fold of {len(contest.train)} training images (resnet10t pretrained on other classes, {img_size} px, linear head, augmentation off), "
              f"torch threads {torch.get_num_threads()}; the features floor: one backbone pass per image and view (2 views); {repeats} repeat(s)\n")
        arms = ('features', 'blocks 0', 'fine_tune')
        print(pd.DataFrame([dict(epochs=e, arm=a, seconds=med.loc[e, a], seconds_min=t[t.epochs == e][a].min(), seconds_max=t[t.epochs == e][a].max(),
                                 backbone_images=int(med.loc[e, f'{a} images']), heldout_accuracy=med.loc[e, f'{a} accuracy'])
                            for e in budgets for a in arms]).round(3).to_string(index=False))
        print(f"\nfloor seconds: median {t.floor.median():.2f} (min {t.floor.min():.2f}, max {t.floor.max():.2f}); ratios within each repeat, median across repeats [min, max]:")
        rng = lambda e, c: f"{med.loc[e, c]:5.2f} [{t[t.epochs == e][c].min():.2f}, {t[t.epochs == e][c].max():.2f}]"
        for e in budgets:
            print(f"{e:>3} epochs: features / floor {rng(e, 'features / floor')}   blocks 0 / features {rng(e, 'blocks 0 / features')}   "
                  f"fine_tune / features {rng(e, 'fine_tune / features')}   accuracy features - blocks 0 {med.loc[e, 'features accuracy'] - med.loc[e, 'blocks 0 accuracy']:+.3f}")
        print("\nwhere the features arm's time beyond its floor goes: the same head's training loop alone, on the same cached features, "
              "median seconds [min, max] (a plain fastai Learner with fit_one_cycle; a plain PyTorch loop with AdamW and OneCycleLR):")
        for e in budgets:
            over = t[t.epochs == e].features - t[t.epochs == e].floor
            print(f"{e:>3} epochs: features - floor {over.median():.2f} [{over.min():.2f}, {over.max():.2f}]   fastai loop {rng(e, 'fastai loop')}   torch loop {rng(e, 'torch loop')}")
        if contest_shape: _contest_shape(work, threads)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if saved_cache is None: os.environ.pop('BOOSTCLF_CACHE', None)
        else: os.environ['BOOSTCLF_CACHE'] = saved_cache
