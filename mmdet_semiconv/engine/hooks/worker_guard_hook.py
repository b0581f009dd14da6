"""WorkerGuardHook: dataloader workers end with the training that forked them."""
import ctypes
import os
import signal
import sys

from mmengine.hooks import Hook

from mmdet.registry import HOOKS

#: prctl option: the signal a process receives when the thread that forked it ends
_PR_SET_PDEATHSIG = 1
_registered = False
_parent_pid = None


def _remember_parent() -> None:
    global _parent_pid
    _parent_pid = os.getpid()


def die_with_parent() -> None:
    """In a forked child: ask Linux for SIGKILL when the forking process ends (``prctl``).

    If the parent ended between the fork and this call, the signal would never come, so the
    child ends itself.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # not permitted here: the child lives as before, nothing else changes
    if os.getppid() != _parent_pid:
        os._exit(1)


@HOOKS.register_module()
class WorkerGuardHook(Hook):
    """Make the processes this training forks (its dataloader workers) die with it.

    A training killed with SIGKILL (the OOM killer, ``kill -9``, a scheduler's time limit)
    left its dataloader worker running, reparented to PID 1, for as long as anyone looked: the
    worker's watchdog sees the dead parent and leaves its loop, but its exit then joins the
    queue feeder thread, which blocks forever writing to a pipe no one reads
    (``multiprocessing/queues.py:_finalize_join``). Forked children of this process therefore
    get ``PR_SET_PDEATHSIG=SIGKILL``.

    The handler is installed when the hook is built, in the runner's constructor, because
    mmengine's iteration-based loop forks its workers while it is built, before ``before_run``.
    It is installed once per process (``os.register_at_fork`` cannot be undone) and applies to
    ``os.fork`` children, which is how the dataloader starts workers on Linux; ``subprocess``
    does not run it. Elsewhere than Linux the hook does nothing.
    """

    def __init__(self) -> None:
        global _registered
        if _registered or not sys.platform.startswith('linux'):
            return
        os.register_at_fork(before=_remember_parent, after_in_child=die_with_parent)
        _registered = True
