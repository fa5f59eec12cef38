"""One short GPU benchmark (under 5 minutes on one GPU). Prints one table:

- the measured bf16 matmul peak (TFLOP/s, best of several 8192^3 matmuls);
- training images/s and MFU (model FLOP/s, counted by torch's FlopCounterMode for one forward+backward, over the
  measured matmul peak) for convnext_tiny at 224 px and eva02_large_patch14_448 at 448 px: bf16 autocast,
  channels_last for the CNN, and torch.compile where it compiles (else eager, and the table says so);
- boostclf's trainer against a plain PyTorch loop (`benchmarks/train_overhead.py`, bf16, same model and batches);
- the training loader's first and later epochs against torchvision's (`benchmarks/loader.py --device cuda`: boostclf
  augments on the GPU, torchvision in worker processes).

Without a GPU it says so and exits 0. Weights are random (pretrained=False): nothing is downloaded.

    python benchmarks/gpu.py            # the full table
    python benchmarks/gpu.py --quick    # tiny sizes, for the tests (or a first check on a new machine)

GPU machines often come with their own torch (e.g. 2.11) and no fastai: boostclf's requirements are ranges that
admit it, so `pip install -e .` there only adds the missing pure-Python wheels (fastai, timm, fastcore, grad-cam,
...) and keeps the machine's torch. On a machine without internet, `pip download -d wheels -e .` on a connected
machine of the same Python version and `pip install --no-index --find-links wheels -e .` on the GPU machine.
"""
import time, subprocess, sys
from pathlib import Path
import torch
from fastcore.script import call_parse, store_true

def matmul_peak(n=8192, reps=20):
    a = torch.randn(n, n, device='cuda', dtype=torch.bfloat16); b = torch.randn(n, n, device='cuda', dtype=torch.bfloat16)
    for _ in range(3): a @ b
    torch.cuda.synchronize(); best = 0.0
    for _ in range(reps):
        t = time.perf_counter(); a @ b; torch.cuda.synchronize(); best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best

def step_flops(model, x, y):
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc:
        with torch.autocast('cuda', dtype=torch.bfloat16): loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return fc.get_total_flops()

def train_speed(name, size, bs, steps, compile_, channels_last):
    import timm
    model = timm.create_model(name, pretrained=False, num_classes=1000, img_size=size) if 'eva' in name else timm.create_model(name, pretrained=False, num_classes=1000)
    model = model.cuda()
    if channels_last: model = model.to(memory_format=torch.channels_last)
    x = torch.randn(bs, 3, size, size, device='cuda'); y = torch.randint(0, 1000, (bs,), device='cuda')
    if channels_last: x = x.to(memory_format=torch.channels_last)
    flops = step_flops(model, x, y) / bs
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    run, mode = model, 'eager'
    if compile_:
        try:
            run = torch.compile(model); mode = 'compiled'
            with torch.autocast('cuda', dtype=torch.bfloat16): torch.nn.functional.cross_entropy(run(x), y).backward()
        except Exception as e: run, mode = model, f'eager (compile failed: {type(e).__name__})'
    def step(run=run, opt=opt):
        with torch.autocast('cuda', dtype=torch.bfloat16): loss = torch.nn.functional.cross_entropy(run(x), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    for _ in range(3): step()
    torch.cuda.synchronize(); t = time.perf_counter()
    for _ in range(steps): step()
    torch.cuda.synchronize()
    ips = bs * steps / (time.perf_counter() - t)
    del model, run, opt; torch.cuda.empty_cache()
    return ips, flops, mode

@call_parse
def main(quick:store_true=False, # tiny sizes, to check that the script runs
         compile:bool=True, # try torch.compile
        ):
    "Print the GPU table: matmul peak, training images/s and MFU, boostclf against a plain loop"
    if not torch.cuda.is_available():
        print("no CUDA GPU here: benchmarks/gpu.py measures nothing on CPU (run it on a GPU machine)"); return
    name = torch.cuda.get_device_name(0)
    print(f"GPU: {name}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    peak = matmul_peak(2048 if quick else 8192, 5 if quick else 20)
    rows = [('bf16 matmul peak', f'{peak / 1e12:.0f} TFLOP/s', '', '')]
    cases = [('convnext_tiny', 64 if quick else 224, 8 if quick else 128, 3 if quick else 30, True),
             ('eva02_large_patch14_448', 56 if quick else 448, 2 if quick else 16, 2 if quick else 15, False)]
    for arch, size, bs, steps, cl in cases:
        ips, flops, mode = train_speed(arch, size, bs, steps, compile and not quick, cl)
        rows.append((f'{arch} {size}px bs {bs}', f'{ips:.0f} img/s', f'MFU {ips * flops / peak:.1%}', mode + (', channels_last' if cl else '')))
    r = subprocess.run([sys.executable, str(Path(__file__).with_name('train_overhead.py')), *(['--quick'] if quick else ['--arch', 'resnet50', '--size', '224', '--bs', '128', '--n-batches', '40'])],
                       capture_output=True, text=True)
    ov = [l for l in r.stdout.splitlines() if 'ratio' in l or 'img/s' in l]
    print(f"\n{'what':38s} {'speed':>14s} {'utilisation':>12s}  notes")
    for w, s, u, n in rows: print(f"{w:38s} {s:>14s} {u:>12s}  {n}")
    print("\nboostclf trainer against a plain loop (benchmarks/train_overhead.py):")
    print('\n'.join('  ' + l for l in ov) if r.returncode == 0 else f"  failed: {r.stderr[-800:]}")
    r = subprocess.run([sys.executable, str(Path(__file__).with_name('loader.py')), '--device', 'cuda', *(['--quick'] if quick else [])],
                       capture_output=True, text=True)
    print("\ntraining loader against torchvision (benchmarks/loader.py --device cuda):")
    print('\n'.join('  ' + l for l in r.stdout.splitlines() if 'img/s' in l or 'workers' in l or 'ratio' in l) if r.returncode == 0 else f"  failed: {r.stderr[-800:]}")
