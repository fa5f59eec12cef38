"""Trainer overhead: images/s of boostclf's training (fastai Learner + boostclf's callbacks, per-epoch checkpoint
included) against a plain PyTorch loop, over the same timm model, initial weights, in-memory batches, optimiser
(torch AdamW) and batch size, in one run. The batches are made once, so the ratio measures the trainer, not the
loader. Prints both figures and their ratio; on a GPU it also runs both in bf16. Asserts nothing.

    python benchmarks/train_overhead.py            # resnet10t, 128 px, batch 32, 24 batches, 2 torch threads
    python benchmarks/train_overhead.py --quick    # seconds, for the tests
"""
import time, copy, tempfile
from pathlib import Path
import torch, torch.nn.functional as F
from fastcore.script import call_parse, store_true

def plain_loop(model, batches, lr, precision, device):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    model.train()
    t0 = time.perf_counter()
    for x, y in batches:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == 'bf16'):
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    if device.type == 'cuda': torch.cuda.synchronize()
    return sum(len(x) for x, _ in batches) / (time.perf_counter() - t0)

def boostclf_fit(model, batches, lr, precision, device, n_classes, out):
    from fastai.data.load import DataLoader
    from fastai.data.core import DataLoaders
    from fastai.callback.core import Callback
    from boostclf.config import load_config
    from boostclf.train import make_learner, _fit_callbacks
    from boostclf.callbacks import Checkpoint
    class FixedBatches(DataLoader):
        "Hands out the prepared batches as they are"
        def __init__(self, batches, **kw): self.batches = batches; super().__init__(dataset=range(len(batches)), bs=1, shuffle=False, **kw)
        def create_batch(self, b): return self.batches[b[0]]
    class TrainTimer(Callback):
        def before_train(self): self.t0 = time.perf_counter()
        def after_train(self):
            if device.type == 'cuda': torch.cuda.synchronize()
            self.secs = time.perf_counter() - self.t0
    dls = DataLoaders(FixedBatches(batches), FixedBatches(batches[:1]), device=device)
    dls.vocab = list(range(n_classes))
    cfg = load_config(dict(model=dict(name='resnet10t', head='linear'), train=dict(precision=precision, lr=lr)))
    learn = make_learner(cfg, dls, device)
    learn.model = model
    timer = TrainTimer()
    learn.fit(1, lr, cbs=_fit_callbacks(cfg, device) + [Checkpoint(out), timer])
    return sum(len(x) for x, _ in batches) / timer.secs

@call_parse
def main(quick:store_true=False, # tiny sizes, to check that the script runs
         arch:str='resnet10t', # timm model
         size:int=128, # image side
         bs:int=32, # batch size
         n_batches:int=24, # batches timed per run
         threads:int=2, # torch threads on CPU
         repeats:int=3, # timed runs per side; the best of each is reported
        ):
    "Print images/s of boostclf's trainer and of a plain loop, and their ratio"
    from boostclf.config import ModelCfg
    from boostclf.models import build_model
    if quick: size, bs, n_batches, repeats = 32, 4, 3, 1
    torch.set_num_threads(threads)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    g = torch.Generator().manual_seed(0)
    n_classes = 10
    batches = [(torch.randn(bs, 3, size, size, generator=g).to(device), torch.randint(0, n_classes, (bs,), generator=g).to(device)) for _ in range(n_batches)]
    base = build_model(ModelCfg(name=arch, head='linear'), n_classes).to(device)
    out = Path(tempfile.mkdtemp())
    print(f"{arch}, {size}px, batch {bs}, {n_batches} batches, device {device}, torch threads {torch.get_num_threads()}")
    precisions = ['fp32'] + (['bf16'] if device.type == 'cuda' and torch.cuda.is_bf16_supported() else [])
    for prec in precisions:
        plain_loop(copy.deepcopy(base), batches[:2], 1e-3, prec, device)  # warm-up
        boostclf_fit(copy.deepcopy(base), batches[:2], 1e-3, prec, device, n_classes, out)
        p = max(plain_loop(copy.deepcopy(base), batches, 1e-3, prec, device) for _ in range(repeats))
        b = max(boostclf_fit(copy.deepcopy(base), batches, 1e-3, prec, device, n_classes, out) for _ in range(repeats))
        print(f"{prec}: plain PyTorch loop {p:.1f} img/s, boostclf trainer {b:.1f} img/s, ratio {b / p:.3f}")
