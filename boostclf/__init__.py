__version__ = "0.0.1"

# fastai's layers.py applies `@torch.jit.script` when it is imported, and torch 2.10+ warns about it on every command that trains or
# predicts; the warning is about fastai's code, not the user's, and says nothing they can act on. Only that one warning is silenced,
# before any boostclf module imports fastai.
import warnings as _warnings
_warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning, module=r'torch\.jit\._script')
