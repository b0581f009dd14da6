"""Loading mmengine/mmdet checkpoints with ``torch.load(weights_only=True)``.

torch >= 2.6 unpickles with ``weights_only=True`` by default, and mmengine 0.10.7's own
checkpoints then fail to load: their ``meta`` carries ``HistoryBuffer`` objects (the message
hub) and numpy arrays and scalars. Instead of switching the safety off, the local-file scheme of
mmengine's ``CheckpointLoader`` (used by ``load_from``, ``resume`` and ``--checkpoint``) is
replaced by one that

* allows exactly the globals in :data:`CHECKPOINT_GLOBALS` (what mmengine and mmdet write),
* refuses a checkpoint that needs any other global with :class:`UntrustedCheckpointError`,
  naming each global and how to trust it explicitly:
  ``MMDET_SEMICONV_TRUSTED_GLOBALS=module.Name,...`` or :func:`trust_checkpoint_globals`;
* checks a model-zoo checkpoint against the sha256 prefix in its name (mmdet's and torch.hub's
  convention, ``<name>_<date>-<sha256 prefix>.pth``), raising :class:`CheckpointHashError` on a
  corrupted or truncated download (``mim download`` itself does not check).
"""
import hashlib
import os
import os.path as osp
import re
from typing import Callable, Dict, Iterable, List, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'MMDET_SEMICONV_TRUSTED_GLOBALS'


def _numpy_globals() -> List[Callable]:
    """numpy's pickling helpers and dtype classes (module paths differ in numpy 1 and 2)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
        np.uint64, np.float16, np.float32, np.float64, np.longdouble, np.complex64,
        np.complex128, np.clongdouble)]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype] + dtype_classes


def history_buffer_getattr(obj, name: str):
    """Stands in for ``builtins.getattr`` while unpickling, for HistoryBuffer's methods only.

    A ``HistoryBuffer`` pickles its registered statistics (``min``, ``max``, ``mean``,
    ``current``) as ``getattr(HistoryBuffer, 'min')``. Allowing the real ``getattr`` would let
    a checkpoint walk from any allowed object to arbitrary code, so only this lookup is served.
    """
    if not (isinstance(obj, type) and issubclass(obj, HistoryBuffer)) \
            or name.startswith('_') or name not in vars(HistoryBuffer):
        raise UntrustedCheckpointError(
            f'checkpoint asks for getattr({obj!r}, {name!r}); only public HistoryBuffer '
            'methods are served')
    return getattr(obj, name)


#: Every global an mmengine 0.10.7 / mmdet 3.3.0 checkpoint needs beyond torch's defaults.
#: ``bytes``: an empty HistoryBuffer's ``np.array([])`` pickles its (empty) buffer as bytes;
#: calling ``bytes`` only builds a bytes object.
CHECKPOINT_GLOBALS: List = [HistoryBuffer, (history_buffer_getattr, 'builtins.getattr'),
                            bytes] + _numpy_globals()

_trusted: Dict[str, Callable] = {}


class UntrustedCheckpointError(RuntimeError):
    """A checkpoint needs a global that is not on the allow-list."""


class CheckpointHashError(RuntimeError):
    """A checkpoint's sha256 does not start with the prefix its file name records."""


HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})\.pth$')


def sha256_of(filename: str) -> str:
    digest = hashlib.sha256()
    with open(filename, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checkpoint_hash(filename: str) -> Optional[str]:
    """Check ``filename`` against the sha256 prefix in its name, if it has one.

    Returns:
        str or None: the verified prefix, or None for a name without one.

    Raises:
        CheckpointHashError: naming the file, both hashes and the fix.
    """
    match = HASH_IN_NAME.search(osp.basename(filename))
    if match is None:
        return None
    expected, actual = match.group(1), sha256_of(filename)
    if not actual.startswith(expected):
        raise CheckpointHashError(
            f'{filename} is corrupted or incomplete: its name records sha256 {expected}..., '
            f'its content hashes to {actual[:len(expected)]}... Delete it and download it '
            'again (`mim download mmdet_semiconv --config <name> --dest <dir>`).')
    return expected


def _qualname(obj: Callable) -> str:
    return f'{obj.__module__}.{obj.__qualname__}'


def _import_global(name: str) -> Callable:
    module, _, attr = name.rpartition('.')
    if not module:
        raise ValueError(f'{name!r} is not a dotted name like "package.module.Class"')
    obj = __import__(module, fromlist=[attr])
    return getattr(obj, attr)


def trust_checkpoint_globals(names: Iterable[str]) -> None:
    """Allow extra globals (dotted names) in checkpoints, on top of :data:`CHECKPOINT_GLOBALS`.

    Only call this for checkpoints you trust: unpickling a global can run arbitrary code.
    """
    for name in names:
        _trusted[name] = _import_global(name)


def allowed_globals() -> List[Callable]:
    env = [n.strip() for n in os.environ.get(TRUST_ENV, '').split(',') if n.strip()]
    return CHECKPOINT_GLOBALS + list(_trusted.values()) + [_import_global(n) for n in env]


def safe_load(filename: str, map_location=None) -> dict:
    """``torch.load(filename, weights_only=True)`` with the allow-list.

    Raises:
        UntrustedCheckpointError: naming the globals outside the allow-list.
    """
    allowed = allowed_globals()
    with torch.serialization.safe_globals(allowed):
        try:
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        except (RuntimeError, ValueError):  # not a zip checkpoint: torch.load will tell
            unsafe = []
        if unsafe:
            raise UntrustedCheckpointError(_refusal(filename, unsafe))
        try:
            return torch.load(filename, map_location=map_location, weights_only=True)
        except Exception as e:  # noqa: BLE001 - re-raised with the fix spelled out
            if 'weights_only' in str(e) or 'Unsupported global' in str(e):
                raise UntrustedCheckpointError(_refusal(filename, [str(e)])) from e
            raise


def _refusal(filename: str, unsafe: List[str]) -> str:
    names = ', '.join(unsafe)
    return (f'Refusing to load checkpoint {filename}: it needs the global(s) {names}, which '
            'are not on mmdet_semiconv\'s allow-list of what mmengine/mmdet checkpoints '
            'contain (unpickling a global can run arbitrary code). If you trust this file, '
            f'allow them explicitly: `export {TRUST_ENV}={",".join(unsafe)}` or call '
            'mmdet_semiconv.utils.trust_checkpoint_globals([...]) before loading.')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location=None) -> dict:
    """mmengine's local-file scheme, loading through :func:`safe_load`."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    verify_checkpoint_hash(filename)
    return safe_load(filename, map_location)
