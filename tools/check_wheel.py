"""Check what a built wheel holds: every module of `boostclf/` (the library, its command line and `boostclf.testing`) and every
preset, and nothing else (no notebooks, outputs, benchmarks or tools). Usage: python tools/check_wheel.py dist/boostclf-X-py3-none-any.whl"""
import sys, zipfile
from pathlib import Path

def main(whl:str):
    names = zipfile.ZipFile(whl).namelist()
    inside = {n for n in names if n.startswith('boostclf/')}
    extra = [n for n in names if n not in inside and '.dist-info/' not in n]
    want = {f'boostclf/{p.name}' for p in Path('boostclf').glob('*.py')} | {f'boostclf/presets/{p.name}' for p in Path('boostclf/presets').glob('*.yaml')}
    missing = sorted(want - inside)
    if extra or missing: sys.exit(f"{whl}: files it should not hold {extra[:5]}, modules or presets it lacks {missing[:5]}")
    scripts = zipfile.ZipFile(whl).read(next(n for n in names if n.endswith('entry_points.txt'))).decode().count('boostclf-')
    print(f"{Path(whl).name}: {len(inside)} package files, {scripts} commands, nothing else")

if __name__ == '__main__': main(sys.argv[1])
