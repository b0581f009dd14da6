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
  corrupted or truncated download.

Every other scheme that reaches ``torch.load`` goes through the same loader: ``http(s)://`` (and
with it ``torchvision://``, ``modelzoo://``, ``open-mmlab://``, ``openmmlab://`` and
``mmcls://``, which resolve to URLs; mmengine's versions call
``torch.hub.load_state_dict_from_url``, whose ``weights_only`` defaults to False, so a crafted
remote checkpoint would run code),
``s3://``/``petrel://`` and ``pavi://``: the file is downloaded (into torch.hub's cache, with
torch.hub's ``check_hash`` on the sha256 prefix in the name) and then loaded as a local file.

Why the local scheme is replaced, not only torch's allow-list extended with
``torch.serialization.add_safe_globals`` (the allow-list does go through torch's own mechanism,
``torch.serialization.safe_globals``, scoped to each load so that nothing else in the process
trusts more): mmengine's local scheme calls ``torch.load`` without ``weights_only``, so
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` in the environment (set to read old pickles) turns the
safety off for it and a crafted checkpoint runs code (tests/utils/test_checkpoint.py); its
refusal is torch's paragraph that advises ``weights_only=False``; and it has no place for the
sha256 check. ``find_latest_checkpoint`` is wrapped so that a broken ``last_checkpoint`` is
named with the fix. All of this is this module; nothing else patches mmengine.
"""
import _compat_pickle
import glob
import hashlib
import os
import os.path as osp
import pickle
import pickletools
import re
import tempfile
from datetime import datetime
from typing import Callable, Dict, Iterable, List, Optional
from urllib.parse import urlparse

import mmengine.runner.checkpoint as mmengine_checkpoint
import mmengine.runner.runner as mmengine_runner
import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.fileio import get_file_backend
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


def _is_date(text: str) -> bool:
    """``YYYYMMDD``: mmdet's names carry a date before the hash (``<name>_<date>-<hash>``)."""
    try:
        datetime.strptime(text, '%Y%m%d')
    except ValueError:
        return False
    return len(text) == 8


def verify_checkpoint_hash(filename: str) -> Optional[str]:
    """Check ``filename`` against the sha256 prefix in its name, if it has one.

    Returns:
        str or None: the verified prefix, or None for a name without one (a valid date
        ``YYYYMMDD`` in its place that the content does not match is read as a date).

    Raises:
        CheckpointHashError: naming the file, both hashes and the fix.
    """
    match = HASH_IN_NAME.search(osp.basename(filename))
    if match is None:
        return None
    expected, actual = match.group(1), sha256_of(filename)
    if not actual.startswith(expected) and _is_date(expected):
        return None  # `worms-20261201.pth`: a date where mmdet's names put the hash
    if not actual.startswith(expected):
        raise CheckpointHashError(
            f'{filename} is corrupted or incomplete: its name records sha256 {expected}..., '
            f'its content hashes to {actual[:len(expected)]}... Delete it and download it '
            'again from where it came from.')
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
    extra = []
    for name in env:
        try:
            extra.append(_import_global(name))
        except (ValueError, ImportError, AttributeError) as e:
            raise ValueError(f'{TRUST_ENV}={os.environ[TRUST_ENV]!r}: cannot import {name!r} '
                             f'({e}); give comma-separated dotted names of classes or '
                             'functions, e.g. package.module.Name, or unset it') from e
    return CHECKPOINT_GLOBALS + list(_trusted.values()) + extra


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
            if isinstance(e, UntrustedCheckpointError):
                raise
            # torch's message is a paragraph ("Unsupported global: GLOBAL x" or, for a blocked
            # module, "unsupported GLOBAL x whose module ... is blocked"): name the global alone
            names = re.findall(r'unsupported (?:global:? )?GLOBAL ([\w.]+)', str(e), re.IGNORECASE)
            if names:
                raise UntrustedCheckpointError(_refusal(filename, names)) from None
            if isinstance(e, (RuntimeError, EOFError, IndexError, ValueError,
                              pickle.UnpicklingError)):
                foreign = [n for n in pickle_globals(filename)
                           if n not in {g[1] if isinstance(g, tuple) else _qualname(g)
                                        for g in allowed}]
                if foreign:
                    raise UntrustedCheckpointError(_refusal(filename, foreign)) from None
                first_line = (str(e).splitlines() or [''])[0][:200]
                if 'weights_only' in first_line:  # torch's advice to switch the safety off
                    first_line = 'not what torch.save writes'
                # from None: the chained torch error would print that advice again
                raise RuntimeError(
                    f'{filename} ({osp.getsize(filename)} bytes) is not a readable torch '
                    f'checkpoint ({type(e).__name__}: {first_line}): it is truncated, empty '
                    'or not a checkpoint; save or download it again') from None
            raise


#: Modules and functions no checkpoint has a reason to need: they run commands, import or
#: evaluate code, or reach files, processes and the network. A refusal naming one of them does
#: not tell the user how to trust it. Classes count too: calling a class is what unpickling does
#: with it, and ``numpy.memmap(path, mode='w+')`` creates or truncates a file, mmengine's Runner
#: builds whatever its config names, a DataLoader forks workers.
CODE_RUNNING = ('posix.', 'nt.', 'os.', 'subprocess.', 'sys.', 'shutil.', 'socket.', 'pty.',
                'runpy.', 'importlib.', 'ctypes.', 'pickle.', 'marshal.', 'code.', 'webbrowser.',
                'timeit.', 'pdb.', 'multiprocessing.', 'threading.', 'signal.', 'types.',
                'functools.', 'operator.', 'builtins.', 'io.', 'tempfile.', 'urllib.', 'http.',
                'torch.load', 'torch.save', 'torch.hub.', 'torch.utils.cpp_extension.',
                'torch.utils.data.', 'torch.jit.', 'torch.package.', 'torch.ops.',
                'torch.classes.', 'torch.distributed.', 'torch.multiprocessing.', 'torch.from_file',
                'torch.storage.', 'torch.UntypedStorage.from_file', 'numpy.load', 'numpy.save',
                'numpy.memmap', 'numpy.core.memmap', 'numpy._core.memmap', 'numpy.lib.',
                'numpy.ctypeslib', 'numpy.fromfile', 'numpy.tofile', 'numpy.testing.',
                'numpy.f2py.', 'numpy.distutils.', 'mmengine.config.', 'mmengine.utils.',
                'mmengine.fileio.', 'mmengine.runner.', 'mmengine.registry.', 'mmengine.hub.',
                'mmengine.dist.', 'mmcv.utils.', 'mmdet.apis.', 'mmdet.utils.')

#: The only namespaces whose classes a refusal offers to trust (what this stack's own
#: checkpoints are made of); anything else is refused with no advice to trust it.
TRUSTABLE = ('torch.', 'numpy.', 'mmengine.', 'mmcv.', 'mmdet.', 'mmdet_semiconv.')


def python3_name(name: str) -> str:
    """The Python 3 name of a global as a protocol 0-2 pickle may spell it (``commands.call``
    is ``subprocess.call``, ``__builtin__.eval`` is ``builtins.eval``): what an unpickler with
    ``fix_imports`` (the default) would import."""
    module, _, attr = name.rpartition('.')
    if (module, attr) in _compat_pickle.NAME_MAPPING:
        return '.'.join(_compat_pickle.NAME_MAPPING[(module, attr)])
    return f'{_compat_pickle.IMPORT_MAPPING.get(module, module)}.{attr}'


def _is_trustable_class(name: str) -> bool:
    if not name.startswith(TRUSTABLE) or name.startswith(CODE_RUNNING):
        return False
    try:
        return isinstance(_import_global(name), type)
    except (ValueError, ImportError, AttributeError):
        return False


def pickle_globals(filename: str) -> List[str]:
    """The globals (``module.name``) that the raw pickles of a file import, read without
    unpickling it (:mod:`pickletools`), for a file that is not a torch zip checkpoint."""
    names: List[str] = []
    with open(filename, 'rb') as f:
        while f.peek(1):
            memo: Dict[int, Optional[str]] = {}
            pushed: List[Optional[str]] = []  # what each opcode pushed, if it was a string
            try:
                for op, arg, _ in pickletools.genops(f):
                    if op.name == 'MEMOIZE':
                        memo[len(memo)] = pushed[-1] if pushed else None
                    elif op.name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
                        memo[arg] = pushed[-1] if pushed else None
                    elif op.name in ('GET', 'BINGET', 'LONG_BINGET'):
                        pushed.append(memo.get(arg))
                    elif op.name == 'GLOBAL':  # protocols 0-3: 'module name'
                        names.append(arg.replace(' ', '.', 1))
                    elif op.name == 'STACK_GLOBAL':  # protocol 4+: the two strings pushed
                        names.append(f'{pushed[-2] if len(pushed) > 1 else None}.'
                                     f'{pushed[-1] if pushed else None}')
                    else:
                        pushed.append(arg if isinstance(arg, str) else None)
            except (ValueError, EOFError):  # not (or no longer) a pickle: the rest is data
                break
    return names


def _refusal(filename: str, unsafe: List[str]) -> str:
    py3 = [python3_name(n) for n in unsafe]
    names = ', '.join(n if p == n else f'{n} (that is {p})' for n, p in zip(unsafe, py3))
    head = (f'Refusing to load checkpoint {filename}: it needs the global(s) {names}, which '
            'are not on mmdet_semiconv\'s allow-list of what mmengine/mmdet checkpoints '
            'contain (unpickling a global can run arbitrary code).')
    code = [p for p in py3 if p.startswith(CODE_RUNNING)]
    if code:
        return (f'{head} {", ".join(code)} runs commands or code, or reaches files: no model '
                'checkpoint needs that. Do not load this file; if you made it yourself, save '
                'its weights again (torch.save(model.state_dict(), path)).')
    foreign = [p for p in py3 if not _is_trustable_class(p)]
    if foreign:
        return (f'{head} {", ".join(foreign)} is not a class of torch, numpy, mmengine, mmcv '
                'or mmdet, the only ones this stack writes into a checkpoint. Do not load this '
                'file unless you made it yourself; then save its weights again '
                '(torch.save(model.state_dict(), path)).')
    return (f'{head} If you trust this file, allow them explicitly: '
            f'`export {TRUST_ENV}={",".join(unsafe)}` or call '
            'mmdet_semiconv.utils.trust_checkpoint_globals([...]) before loading.')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location=None) -> dict:
    """mmengine's local-file scheme, loading through :func:`safe_load`."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    verify_checkpoint_hash(filename)
    return safe_load(filename, map_location)


def download_checkpoint(url: str, model_dir: Optional[str] = None,
                        progress: bool = False) -> str:
    """Download ``url`` into torch.hub's checkpoint cache (once) without unpickling it.

    torch.hub's convention: a file named ``<name>-<sha256 prefix>.<ext>`` is checked against
    that prefix while downloading. The cache is keyed by the whole URL (a folder named by its
    sha256), not by the file name alone: ``http://a/x/model.pth`` and ``http://a/y/model.pth``
    are two files.

    Returns:
        str: the cached file.
    """
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    url_key = hashlib.sha256(url.encode()).hexdigest()[:16]
    cached = osp.join(model_dir, url_key, osp.basename(urlparse(url).path))
    os.makedirs(osp.dirname(cached), exist_ok=True)
    if not osp.exists(cached):
        match = torch.hub.HASH_REGEX.search(osp.basename(cached))
        try:
            torch.hub.download_url_to_file(url, cached, match.group(1) if match else None,
                                           progress=progress)
        except RuntimeError as e:
            if 'hash' in str(e):
                raise CheckpointHashError(f'{url}: {e} Nothing was loaded; check the URL or '
                                          'the file behind it.') from e
            raise
    return cached


@CheckpointLoader.register_scheme(prefixes=('http://', 'https://'), force=True)
def load_from_http(filename: str, map_location=None, model_dir: Optional[str] = None,
                   progress: bool = False) -> dict:
    """mmengine's ``http(s)://`` scheme: download (rank 0 first), then :func:`load_from_local`."""
    rank, world_size = get_dist_info()
    if rank == 0:
        cached = download_checkpoint(filename, model_dir, progress)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            cached = download_checkpoint(filename, model_dir, progress)
    return load_from_local(cached, map_location)


# torchvision://, open-mmlab://, mmcls:// resolve their URL and call this module-level name
mmengine_checkpoint.load_from_http = load_from_http


def find_latest_checkpoint(path: str) -> Optional[str]:
    """mmengine's: the checkpoint ``<path>/last_checkpoint`` names, for auto-resume; a local
    name that is empty (a run killed while writing it) or not a file is refused, naming the
    file and the fix, instead of failing later as "<empty> can not be found"."""
    found = mmengine_find_latest_checkpoint(path)
    record = osp.join(path, 'last_checkpoint')
    if found is not None and (not found or ('://' not in found and not osp.isfile(found))):
        ckpts = sorted(glob.glob(osp.join(glob.escape(path), '*.pth')), key=osp.getmtime)
        hint = f' (the newest here is {ckpts[-1]})' if ckpts else ''
        raise FileNotFoundError(
            f'{record} names {found!r}, which is not a checkpoint file: delete {record} to '
            f'train from the start, or write into it the path of the checkpoint to resume{hint}')
    return found


mmengine_find_latest_checkpoint = mmengine_checkpoint.find_latest_checkpoint
# the runner imported the name: auto-resume (``resume=True`` without ``load_from``) reads it
mmengine_runner.find_latest_checkpoint = find_latest_checkpoint


@CheckpointLoader.register_scheme(prefixes=[r'(\S+\:)?s3://', r'(\S+\:)?petrel://'],
                                  force=True)
def load_from_ceph(filename: str, map_location=None, backend: str = 'petrel') -> dict:
    """mmengine's ``s3://``/``petrel://`` scheme, loading the bytes through :func:`safe_load`."""
    data = get_file_backend(filename, backend_args={'backend': backend}).get(filename)
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, osp.basename(filename))
        with open(path, 'wb') as f:
            f.write(data)
        return safe_load(path, map_location)


@CheckpointLoader.register_scheme(prefixes='pavi://', force=True)
def load_from_pavi(filename: str, map_location=None) -> dict:
    """mmengine's ``pavi://`` scheme, loading the download through :func:`safe_load`."""
    try:
        from pavi import modelcloud
    except ImportError as e:
        raise ImportError('Please install pavi to load checkpoint from modelcloud.') from e
    model = modelcloud.get(filename[len('pavi://'):])
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, model.name)
        model.download(path)
        return safe_load(path, map_location)
