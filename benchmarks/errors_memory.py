"""Error analysis at 500 classes: peak memory of boostclf's analysis and of fastai's
`ClassificationInterpretation.confusion_matrix` on the same synthetic out-of-fold probabilities, each in its own
process and each as the increase over that process's footprint after its imports; then Grad-CAM images/s against a
plain forward + backward pass of the same model on the same batch. Prints the figures and their ratios; asserts nothing.

    python benchmarks/errors_memory.py            # 500 classes x 3,000 images; resnet18 at 128 px, batch 32
    python benchmarks/errors_memory.py --quick    # seconds, for the tests
"""
import importlib, json, subprocess, sys, time
import numpy as np
from fastcore.script import call_parse, store_true

def _rss(field):
    for line in open('/proc/self/status'):
        if line.startswith(field): return int(line.split()[1]) * 1024
    raise RuntimeError(f'{field} not in /proc/self/status')

def _reset_peak():
    "Make VmHWM (peak RSS) start again from the current RSS (Linux >= 4.0)"
    with open('/proc/self/clear_refs', 'w') as f: f.write('5')

def synthetic(n_classes, n_images, seed=0):
    "Softmax probabilities with a realistic shape: under half right, errors concentrated on a neighbouring class"
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_images)
    logits = rng.normal(0, 1, (n_images, n_classes)).astype(np.float32)
    logits[np.arange(n_images), y] += 3.0
    logits[np.arange(n_images), (y + 1) % n_classes] += rng.normal(1.5, 1.0, n_images).astype(np.float32)
    p = np.exp(logits - logits.max(1, keepdims=True)); return (p / p.sum(1, keepdims=True)).astype(np.float32), y

def child_boostclf(n_classes, n_images):
    import matplotlib; matplotlib.use('Agg')
    from boostclf.runs import Probs
    from boostclf.error_analysis import error_table, class_accuracy, confused_pairs, top_confusion, plot_confusion, calibration, top_losses
    for m in ('matplotlib.pyplot', 'sklearn.metrics'): importlib.import_module(m)  # imported lazily by boostclf; counted with the imports, as fastai's are
    base = _rss('VmRSS'); _reset_peak(); t = time.time()
    P, y = synthetic(n_classes, n_images)
    p = Probs(P, np.array([f'{i}.png' for i in range(n_images)]), list(range(n_classes)), [f'c{i:04d}' for i in range(n_classes)], np.zeros(n_images, int), {})
    errs = error_table(p, y, method='builtin'); class_accuracy(p, y); confused_pairs(p, y); calibration(p, y); top_losses(p, y)
    plot_confusion(top_confusion(p, y))
    return dict(secs=time.time() - t, peak_increase=_rss('VmHWM') - base, accuracy=float(errs.correct.mean()))

def child_fastai(n_classes, n_images):
    import torch
    from torch import nn
    from fastai.vision.all import Datasets, Categorize, Learner, CrossEntropyLossFlat, ClassificationInterpretation
    base = _rss('VmRSS'); _reset_peak(); t = time.time()
    P, y = synthetic(n_classes, n_images)
    vocab = [f'c{i:04d}' for i in range(n_classes)]  # zero-padded: Categorize sorts its vocab
    # a "model" that returns the stored logits of image i: the same predictions, through fastai's own machinery
    model = nn.Embedding.from_pretrained(torch.from_numpy(np.log(P)))
    dsets = Datasets(list(range(n_images)), [[lambda i: torch.tensor(i)], [lambda i: vocab[y[i]], Categorize(vocab=vocab)]], splits=[list(range(n_images))] * 2)
    dls = dsets.dataloaders(bs=256, device='cpu')
    learn = Learner(dls, model, loss_func=CrossEntropyLossFlat())
    interp = ClassificationInterpretation.from_learner(learn)
    cm = interp.confusion_matrix()
    acc = float(np.trace(cm) / cm.sum())
    return dict(secs=time.time() - t, peak_increase=_rss('VmHWM') - base, accuracy=acc)

def cam_speed(quick, threads):
    import torch, timm
    from boostclf.cam import compute_cams
    torch.set_num_threads(threads)
    name, size, bs, reps = ('test_resnet', 32, 8, 2) if quick else ('resnet18', 128, 32, 5)
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False, num_classes=500).eval()
    x = torch.randn(bs, 3, size, size); targets = list(range(bs))
    def plain():
        model.zero_grad(set_to_none=True)
        out = model(x.clone().requires_grad_(True)); out[torch.arange(bs), torch.tensor(targets)].sum().backward()
    def cam(): compute_cams(model, x, targets=targets)
    res = {}
    for k, fn in [('forward+backward', plain), ('boostclf Grad-CAM', cam)]:
        fn(); best = min(_timed(fn) for _ in range(reps)); res[k] = bs / best
    return name, size, bs, res

def _timed(fn):
    t = time.perf_counter(); fn(); return time.perf_counter() - t

@call_parse
def main(quick:store_true=False, # tiny sizes, to check that the script runs
         n_classes:int=500, # classes
         n_images:int=3000, # out-of-fold images
         threads:int=2, # torch threads for the CAM timing
         child:str='', # internal: run one side in this process
        ):
    "Print the memory of boostclf's error analysis and of fastai's confusion matrix, and Grad-CAM's speed"
    if quick: n_classes, n_images = 50, 300
    if child:
        print(json.dumps((child_boostclf if child == 'boostclf' else child_fastai)(n_classes, n_images))); return
    res = {}
    for side in ('boostclf', 'fastai'):
        r = subprocess.run([sys.executable, __file__, '--child', side, '--n-classes', str(n_classes), '--n-images', str(n_images)],
                           capture_output=True, text=True)
        if r.returncode: sys.exit(f"{side} side failed:\n{r.stderr[-2000:]}")
        res[side] = json.loads(r.stdout.strip().splitlines()[-1])
    mb = lambda b: b / 2**20
    print(f"error analysis, {n_classes} classes x {n_images} images (peak memory above the footprint after imports, own process each)")
    for side, name in [('boostclf', 'boostclf error_table + tables + confusion figure'), ('fastai', 'fastai ClassificationInterpretation.confusion_matrix')]:
        r = res[side]; print(f"  {name:52s} {mb(r['peak_increase']):9.1f} MB  {r['secs']:6.2f} s  (accuracy {r['accuracy']:.3f})")
    print(f"  memory ratio fastai / boostclf: {res['fastai']['peak_increase'] / max(res['boostclf']['peak_increase'], 1):.1f}")
    name, size, bs, s = cam_speed(quick, threads)
    print(f"Grad-CAM speed, {name} at {size} px, batch {bs}, {threads} threads")
    for k, v in s.items(): print(f"  {k:20s} {v:8.1f} img/s")
    print(f"  ratio Grad-CAM / forward+backward: {s['boostclf Grad-CAM'] / s['forward+backward']:.2f}")
