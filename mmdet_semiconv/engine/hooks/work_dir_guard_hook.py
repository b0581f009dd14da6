"""WorkDirGuardHook: one training per work dir, and no fresh run over another's checkpoints."""
import fcntl
import os
import os.path as osp
from typing import Optional, TextIO

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmdet.registry import HOOKS

from .utils import run_start


@HOOKS.register_module()
class WorkDirGuardHook(Hook):
    """Refuse a training that would overwrite another one's checkpoints.

    * A second live training in the same work dir: mmengine names checkpoints by iteration, so
      both would write ``iter_N.pth`` and ``last_checkpoint`` over each other. An advisory lock
      (``fcntl.flock`` on ``<work_dir>/.train.lock``) is held for the whole training; the
      system releases it when the process ends, also on SIGKILL, so no stale lock remains.
    * A fresh (not resumed) training in a work dir whose ``last_checkpoint`` names an existing
      checkpoint: it would replace that run's checkpoints one by one. Resume it
      (``--resume``), choose another ``--work-dir``, or say so with ``overwrite=True``
      (``--cfg-options default_hooks.work_dir_guard.overwrite=True``).

    Checked in ``before_train``, after mmengine has resumed and before the first iteration, on
    the main process only (all ranks share the work dir).

    Args:
        overwrite (bool): allow a fresh training over an earlier run's checkpoints.
    """

    priority = 'VERY_HIGH'

    def __init__(self, overwrite: bool = False) -> None:
        self.overwrite = overwrite
        self._lock: Optional[TextIO] = None

    def before_train(self, runner) -> None:
        if not is_main_process():
            return
        work_dir = runner.work_dir
        self._lock = open(osp.join(work_dir, '.train.lock'), 'a+')
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or 'another process'
            self._lock.close()
            self._lock = None
            raise RuntimeError(
                f'{work_dir} is in use by a training that is still running ({holder}): two '
                'trainings in one work dir overwrite each other\'s checkpoints. Give this one '
                'another --work-dir, or wait for that one to end.') from None
        self._lock.truncate(0)
        self._lock.write(f'pid {os.getpid()}\n')
        self._lock.flush()
        if not run_start(runner).resume and not self.overwrite:
            last = _last_checkpoint(work_dir)
            if last is not None:
                self.after_train(runner)
                raise RuntimeError(
                    f'{work_dir} holds an earlier training (last_checkpoint: {last}) and this '
                    'one is not resumed: it would overwrite that run\'s checkpoints. Resume it '
                    '(--resume), give another --work-dir, or allow the overwrite with '
                    '--cfg-options default_hooks.work_dir_guard.overwrite=True.')

    def after_train(self, runner) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


def _last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``<work_dir>/last_checkpoint`` names, if it exists."""
    try:
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            path = f.read().strip()
    except OSError:
        return None
    return path if path and osp.isfile(path) else None
