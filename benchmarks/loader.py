"""Training DataLoader throughput at 128 px on the demo contest: boostclf's `contest_dls` (pre-resized cache,
batch augmentation) against a plain torchvision `ImageFolder` + `DataLoader` with equivalent transforms,
measured in the same run. Prints images/s for each and their ratio; asserts nothing.

The first epoch is timed from building the loaders (for boostclf, with an empty cache folder, so that building the
cache counts) to the end of the first training pass, and again to the end of the validation pass that closes a
training epoch: boostclf decodes the validation images while it builds its cache, torchvision when it validates.

    python benchmarks/loader.py            # 10 classes x 100 images: 5 cold starts of each loader, then 2 warm epochs
    python benchmarks/loader.py --quick    # a few seconds, for the tests
    python benchmarks/loader.py --device cuda   # on a GPU machine: boostclf augments on the GPU
"""
import os, time, shutil, tempfile
from pathlib import Path
import torch
from fastcore.script import call_parse, store_true

def epoch_rate(dl, count, device='cpu'):
    "Images per second over one pass of `dl`, each batch on `device` (and finished there) before it counts"
    t0, n = time.perf_counter(), 0
    for xb, yb in dl: n += count(xb.to(device, non_blocking=True))
    if torch.device(device).type == 'cuda': torch.cuda.synchronize()
    return n / (time.perf_counter() - t0), n

@call_parse
def main(quick:store_true=False, # tiny sizes, to check that the script runs
         out:str=None, # working folder (default: a temporary one)
         size:int=128, # image side (px)
         bs:int=64, # batch size
         epochs:int=3, # epochs timed per loader in the last trial (the later ones give the warm figure)
         trials:int=5, # cold starts of each loader, alternating (a fresh cache folder and fresh workers each): the median is reported
         n_classes:int=10, # demo classes
         per_class:int=100, # demo images per class
         tv_workers:int=None, # torchvision DataLoader workers (default: the CPU count)
         device:str='cpu', # where batches go: cpu, or cuda (boostclf then augments there, with its GPU loader settings)
        ):
    "Print images/s of boostclf's training loader and of a torchvision baseline, and their ratio"
    from statistics import median
    from torchvision import datasets, transforms as T
    from torch.utils.data import DataLoader, Subset
    from fastai.data.core import TfmdDL
    from boostclf.demo import make_demo_contest
    from boostclf.data import load_contest, make_folds
    from boostclf.loaders import contest_dls
    from boostclf.models import model_stats
    if quick: n_classes, per_class, epochs, trials, bs = 3, 12, 2, 2, 8
    cpus = os.cpu_count() or 1
    tv_workers = cpus if tv_workers is None else tv_workers
    work = Path(out or tempfile.mkdtemp()); shutil.rmtree(work, ignore_errors=True); work.mkdir(parents=True)
    data = make_demo_contest(work/'data', n_classes, per_class, n_test=5, seed=0, plant=False)
    contest = load_contest(data)
    folds = make_folds(contest, n_folds=5, seed=0)
    mean, std = model_stats('resnet18')
    print(f"demo contest: {len(contest.train)} training images, fold 0 trains on {(folds.fold != 0).sum()}; "
          f"{size}px, batch {bs}, {cpus} CPU(s), torch threads {torch.get_num_threads()}, device {device}")
    # the CUDA context is the process's, not a loader's: made before any clock starts, so the first loader timed does not pay for it
    if torch.device(device).type == 'cuda': torch.zeros(1, device=device); torch.cuda.synchronize()

    # torchvision: ImageFolder + DataLoader, per-image transforms in worker processes
    tfm = T.Compose([T.Resize((size, size)), T.RandomHorizontalFlip(), T.RandomAffine(10, scale=(0.9, 1.1), fill=255),
                     T.ColorJitter(brightness=0.1, contrast=0.2), T.ToTensor(), T.Normalize(mean, std)])
    valid_tfm = T.Compose([T.Resize((size, size)), T.ToTensor(), T.Normalize(mean, std)])
    train_paths = set(str((data/'train'/p).resolve()) for p in folds.image_path[folds.fold != 0])
    in_train = [str(Path(p).resolve()) in train_paths for p, _ in datasets.ImageFolder(data/'train').samples]  # the fold: benchmark glue, not timed
    fold_idx = [i for i, t in enumerate(in_train) if t]
    valid_idx = [i for i, t in enumerate(in_train) if not t]
    def torchvision_dls():
        "The training and validation loaders, built as a team builds them before the first epoch"
        kw = dict(batch_size=bs, num_workers=tv_workers, persistent_workers=tv_workers > 0, pin_memory=torch.device(device).type == 'cuda')
        return (DataLoader(Subset(datasets.ImageFolder(data/'train', transform=tfm), fold_idx), shuffle=True, drop_last=True, **kw),
                DataLoader(Subset(datasets.ImageFolder(data/'train', transform=valid_tfm), valid_idx), shuffle=False, **kw))

    # cold starts, alternating so that both loaders meet the same machine state. boostclf's clock starts before
    # `contest_dls` with a fresh cache folder (building the loaders builds the cache, validation rows included); torchvision's
    # before it builds its datasets and loaders. Each reads the end of the first training pass, then of the validation
    # pass that ends a training epoch
    bc_cold, tv_cold, bc_epoch, tv_epoch = [], [], [], []
    for trial in range(trials):
        t0 = time.perf_counter()
        dls = contest_dls(contest, folds, 0, img_size=size, resize='squish', arch='resnet18', bs=bs, aug='sketch',
                          cache_dir=work/f'cache{trial}', device=device)
        _, n = epoch_rate(dls.train, len, device)
        bc_cold.append(n / (time.perf_counter() - t0))
        epoch_rate(dls.valid, len, device); bc_epoch.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dl, vdl = torchvision_dls()
        _, n = epoch_rate(dl, len, device)
        tv_cold.append(n / (time.perf_counter() - t0))
        epoch_rate(vdl, len, device); tv_epoch.append(time.perf_counter() - t0)
        if trial < trials - 1: shutil.rmtree(work/f'cache{trial}'); del dl, vdl
    bc_warm = sum(epoch_rate(dls.train, len, device)[0] for _ in range(epochs - 1)) / max(1, epochs - 1)
    tv_warm = sum(epoch_rate(dl, len, device)[0] for _ in range(epochs - 1)) / max(1, epochs - 1)

    # boostclf without the cache: the same pipeline decoding every file every epoch
    nc = contest_dls(contest, folds, 0, img_size=size, resize='squish', arch='resnet18', bs=bs, aug='sketch',
                     cache=False, num_workers=tv_workers, device=device)
    nc_rate = epoch_rate(nc.train, len, device)[0]

    # reading alone (no augmentation, no device): the batched read of `CachedBatchDL` against fastai's item-by-item pipeline
    idx = list(range(len(dls.train.dataset)))
    def read_rate(fn):
        t = time.perf_counter(); n = sum(len(x) for x, _ in fn(dls.train, idx)); return n / (time.perf_counter() - t)
    read_fast = max(read_rate(type(dls.train).create_batches) for _ in range(2))
    read_item = max(read_rate(TfmdDL.create_batches) for _ in range(2))

    print(f"\n{'loader':58}{'cold img/s':>12}{'warm img/s':>12}")
    print(f"{f'boostclf contest_dls (cache, batch aug, {dls.train.fake_l.num_workers} workers)':58}{median(bc_cold):12.0f}{bc_warm:12.0f}")
    print(f"{f'boostclf contest_dls without cache ({tv_workers} workers)':58}{'':12}{nc_rate:12.0f}")
    print(f"{f'torchvision ImageFolder + DataLoader ({tv_workers} workers)':58}{median(tv_cold):12.0f}{tv_warm:12.0f}")
    print(f"\nreading cached rows only, main process: batched {read_fast:.0f} img/s, item by item (fastai's pipeline) {read_item:.0f} img/s, ratio {read_fast / read_item:.1f}")
    print(f"\nfirst epoch with its validation pass ({len(dls.valid.dataset)} images), from loader construction: "
          f"boostclf {median(bc_epoch):.2f} s, torchvision {median(tv_epoch):.2f} s (medians)")
    print(f"cold trials, boostclf / torchvision, training pass: {', '.join(f'{b / t:.2f}' for b, t in zip(bc_cold, tv_cold))}; "
          f"with validation: {', '.join(f'{t / b:.2f}' for b, t in zip(bc_epoch, tv_epoch))}")
    print(f"ratio boostclf / torchvision: warm {bc_warm / tv_warm:.2f}, cold (cache build included) {median(bc_cold) / median(tv_cold):.2f}, "
          f"cold with validation {median(tv_epoch) / median(bc_epoch):.2f}")
    print(f"(cold: the first training pass from loader construction, median of {trials} trials; with validation: to the end of "
          f"the first validation pass, as speed (torchvision's time / boostclf's); warm: mean of the later training passes)")
