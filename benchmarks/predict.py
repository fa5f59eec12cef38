"""Prediction overhead: images/s of boostclf's `predict` (no TTA; models rebuilt from the run folder, test images
from the warm pre-resized cache) against a plain `torch.inference_mode` loop over the same weight files and the
same pre-resized images held in memory, in one run. Prints both and their ratio; asserts nothing.

    python benchmarks/predict.py            # 2,000 test images at 128 px, resnet10t, 2 fold models
    python benchmarks/predict.py --quick    # seconds, for the tests
"""
import time, tempfile
from pathlib import Path
import numpy as np, torch
from fastcore.script import call_parse, store_true

@call_parse
def main(quick:store_true=False, # tiny sizes, to check that the script runs
         n_test:int=2000, # test images
         size:int=128, # image side
         bs:int=64, # batch size
         threads:int=2, # torch threads on CPU
         repeats:int=3, # timed runs per side; the best of each is reported
        ):
    "Print images/s of boostclf's predict and of a plain inference loop, and their ratio"
    from boostclf.demo import make_demo_contest
    from boostclf.config import load_config
    from boostclf.train import fit_folds
    from boostclf.inference import predict
    from boostclf.loaders import image_cache
    from boostclf.models import build_model, load_weights
    from boostclf.data import load_contest
    if quick: n_test, size, bs, repeats = 40, 32, 8, 1
    torch.set_num_threads(threads)
    work = Path(tempfile.mkdtemp())
    data = make_demo_contest(work/'data', 4, 8, n_test, seed=0, plant=False)
    cfg = load_config(dict(data=dict(path=str(data), img_size=size), model=dict(name='resnet10t', head='linear'),
                           train=dict(epochs=1, bs=bs), cv=dict(n_folds=2), output=str(work/'run')))
    run = fit_folds(cfg, device='cpu')
    predict(run, device='cpu', save=False)  # warm: builds the test cache
    contest = load_contest(data)
    pre = run.preprocess  # what training recorded: the same inputs for both sides
    arr = np.array(image_cache(contest.test_files(), size, pre['resize'], interpolation=pre['interpolation']))
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in (pre['mean'], pre['std']))
    weights = run.predict_weights()

    @torch.inference_mode()
    def plain():
        total = 0
        for w in weights:
            model = load_weights(build_model(cfg.model, contest.n_classes, cfg.data.img_size), w).eval()  # the architecture: not pretrained
            total = total + torch.cat([model((torch.from_numpy(arr[i:i + bs]).permute(0, 3, 1, 2).float() / 255 - mean) / std).softmax(1)
                                       for i in range(0, len(arr), bs)])
        return total / len(weights)

    def timed(f):
        t0 = time.perf_counter(); f(); return len(arr) / (time.perf_counter() - t0)
    p = max(timed(plain) for _ in range(repeats))
    b = max(timed(lambda: predict(run, device='cpu', save=False)) for _ in range(repeats))
    same = np.allclose(plain().numpy(), predict(run, device='cpu', save=False).probs, atol=1e-5)
    print(f"resnet10t, {size}px, batch {bs}, {len(arr)} test images, {len(weights)} fold models, torch threads {torch.get_num_threads()}")
    print(f"plain inference loop {p:.0f} img/s, boostclf predict {b:.0f} img/s, ratio {b / p:.3f} (same probabilities: {same})")
