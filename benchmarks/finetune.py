"""Fine-tuning a pretrained model: held-out accuracy against epochs for full fine-tuning, a frozen pretrained body and
training from scratch, side by side, all through boostclf's own training (`boostclf.transfer.transfer_runs`). The
pretrained checkpoint is made here (`demo_checkpoint`: a timm model trained on a demo contest of other classes and saved
with timm's keys), since nothing can be downloaded; the target is a demo contest scored on its hidden answer key.
Prints the table and, per epoch budget, full fine-tuning's accuracy as a ratio of each baseline's. Asserts nothing;
removes its runs when done.

    python benchmarks/finetune.py                 # epochs 3 6 12 24, 10 classes x 20 images, 100 test images, 2 threads
    python benchmarks/finetune.py --quick         # one short budget on a tiny contest, for the tests
"""
import shutil, tempfile, time
from pathlib import Path
import pandas as pd, torch
from fastcore.script import call_parse, store_true

@call_parse
def main(quick:store_true=False, # seconds: a tiny contest and one budget
         epochs:str='3 6 12 24', # epoch budgets, space-separated
         per_class:int=20, # target images per class
         threads:int=2, # torch threads
        ):
    "Print held-out accuracy of full fine-tuning, frozen body and from scratch at each epoch budget"
    from boostclf.transfer import demo_checkpoint, transfer_runs
    from boostclf.demo import make_demo_contest
    torch.set_num_threads(threads)
    budgets = [2] if quick else [int(e) for e in epochs.split()]
    work = Path(tempfile.mkdtemp(prefix='boostclf-finetune-'))
    try:
        t0 = time.perf_counter()
        ckpt = demo_checkpoint(work/'ckpt', n_classes=6, per_class=10, epochs=2) if quick else demo_checkpoint()
        target = make_demo_contest(work/'target', n_classes=4 if quick else 10, per_class=8 if quick else per_class, n_test=20 if quick else 100, seed=0, plant=False)
        tables = [transfer_runs(ckpt, target, work/f'runs_{e}', epochs=e, n_folds=2 if quick else 4, arms=('full fine-tune', 'frozen body', 'from scratch')) for e in budgets]
        t = pd.concat(tables).pivot(index='epochs', columns='arm', values='test_accuracy')[['full fine-tune', 'frozen body', 'from scratch']]
        t['ratio vs frozen'] = t['full fine-tune'] / t['frozen body'].clip(lower=1e-9)
        t['ratio vs scratch'] = t['full fine-tune'] / t['from scratch'].clip(lower=1e-9)
        print(f"held-out accuracy on the demo's hidden answer key (resnet10t, 48 px, pretrained on other classes), {time.perf_counter() - t0:.0f} s in all")
        print(t.round(3).to_string())
    finally: shutil.rmtree(work, ignore_errors=True)
