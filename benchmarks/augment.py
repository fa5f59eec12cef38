"""Batch augmentation on the CPU: the cost of each of the `sketch` preset's transforms per batch, next to fastai's own
version of the same transform, measured in the same run on the same batch. Prints milliseconds per batch and
their ratio; asserts nothing.

- affine (flip, rotation, zoom): fastai's `AffineCoordTfm` with its own grid (`F.affine_grid`) against the same
  transform with boostclf's `_affine_grid`; also checks that both give the same batch under one seed;
- lighting: fastai's `Brightness` + `Contrast` (logit space) against boostclf's `LinearLighting`;
- warp: what fastai's perspective `Warp` adds (the `sketch+warp` preset) next to the whole `sketch` preset;
- the per-image augmentations of `boostclf.augment` (noise, blur, elastic, erasing, TrivialAugment, RandAugment), each drawn
  per image but computed for the whole batch at once, against torchvision's own transform applied image by image in a loop
  (what a per-image dataset pipeline pays);
- every `data.aug` preset, whole.

    python benchmarks/augment.py            # 64 images at 128 px, 20 timed batches
    python benchmarks/augment.py --quick    # seconds, for the tests
"""
import time
import torch
from fastcore.script import call_parse, store_true

def ms_per_batch(tfms, x, repeats):
    "Fewest milliseconds of passing `x` through `tfms` as a training batch (the best pass: the least disturbed by other work)"
    times = []
    for i in range(repeats + 2):
        t0 = time.perf_counter(); b = x
        for t in tfms: b = t(b, split_idx=0)
        if i >= 2: times.append(time.perf_counter() - t0)  # the first two passes warm up
    return min(times) * 1000

@call_parse
def main(quick:store_true=False, # tiny sizes, to check that the script runs
         bs:int=64, # images per batch
         size:int=128, # image side
         repeats:int=20, # timed batches per transform; the best is reported
         threads:int=None, # torch threads (default: torch's own)
        ):
    "Print each augmentation's milliseconds per batch, boostclf's and fastai's, and their ratio"
    from fastai.vision.augment import aug_transforms, Brightness, Contrast, AffineCoordTfm
    from fastai.vision.core import TensorImage
    from boostclf.loaders import batch_augs, LinearLighting
    if quick: bs, size, repeats = 4, 32, 2
    if threads: torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = TensorImage(torch.rand(bs, 3, size, size))
    print(f"batch {bs} x 3 x {size} x {size} (float), torch threads {torch.get_num_threads()}, best of {repeats}\n")
    ours = [t for t in batch_augs('sketch') if isinstance(t, AffineCoordTfm)]
    theirs = [t for t in aug_transforms(do_flip=True, flip_vert=False, max_rotate=10.0, min_zoom=0.9, max_zoom=1.1, max_lighting=0,
                                        max_warp=0, p_affine=0.75, pad_mode='border') if isinstance(t, AffineCoordTfm)]
    with_warp = batch_augs('sketch+warp')
    rows = [('affine (flip, rotate, zoom)', ms_per_batch(ours, x, repeats), ms_per_batch(theirs, x, repeats)),
            ('lighting (contrast, brightness)', ms_per_batch([LinearLighting(0.2, p=0.5)], x, repeats),
             ms_per_batch([Brightness(0.2, p=0.5), Contrast(0.2, p=0.5)], x, repeats)),
            ("whole 'sketch' preset", ms_per_batch(batch_augs('sketch'), x, repeats), None),
            ("'sketch+warp': the warp added", ms_per_batch(with_warp, x, repeats) - ms_per_batch(batch_augs('sketch'), x, repeats), None)]
    print(f"{'transform':34}{'boostclf ms':>12}{'fastai ms':>12}{'ratio':>8}")
    for name, a, b in rows: print(f"{name:34}{a:12.1f}{'' if b is None else f'{b:12.1f}':>12}{'' if b is None else f'{b / a:8.2f}':>8}")
    torch.manual_seed(1); ya = x
    for t in ours: ya = t(ya, split_idx=0)
    torch.manual_seed(1); yb = x
    for t in theirs: yb = t(yb, split_idx=0)
    print(f"\nratio = fastai / boostclf (above 1: boostclf is faster); same affine batch under one seed: {bool(torch.allclose(ya, yb, atol=1e-5))}")
    from torchvision.transforms import v2
    from boostclf.augment import RandomNoise, RandomBlur, ElasticWarp, RandomErase, PolicyAugment
    from boostclf.choices import AUG_PRESETS
    def per_image(t): return lambda b, split_idx=0: torch.stack([t(im) for im in b])
    k = 2 * max(1, round(3 * 0.01 * size)) + 1
    pairs = [('noise', RandomNoise(p=1), v2.GaussianNoise(sigma=0.025)), ('blur', RandomBlur(p=1), v2.GaussianBlur(k, sigma=(0.002 * size, 0.01 * size))),
             ('elastic', ElasticWarp(p=1), v2.ElasticTransform(alpha=0.03 * size * 4, sigma=size / 8)), ('erase', RandomErase(p=1), v2.RandomErasing(p=1.0, value='random')),
             ('trivial', PolicyAugment(), v2.TrivialAugmentWide()), ('randaug', PolicyAugment(n_ops=2, magnitude=0.3), v2.RandAugment(num_ops=2, magnitude=9))]
    print(f"\n{'per-image augmentation (p = 1)':34}{'boostclf ms':>12}{'torchvision':>12}{'ratio':>8}   (torchvision: one image at a time)")
    for name, ours_t, tv in pairs:
        a, b = ms_per_batch([ours_t], x, repeats), ms_per_batch([per_image(tv)], x, repeats)
        print(f"{name:34}{a:12.1f}{b:12.1f}{b / a:8.2f}")
    print(f"\n{'data.aug preset, whole':34}{'boostclf ms':>12}")
    for preset in AUG_PRESETS: print(f"{preset:34}{ms_per_batch(batch_augs(preset), x, repeats):12.1f}")
