"""WorkerGuardHook: a forked child ends when the process that built the hook is killed."""
import os
import signal
import subprocess
import sys
import time

import pytest

CHILD = r'''
import os, sys, time
from mmdet_semiconv.engine.hooks import WorkerGuardHook
if sys.argv[1] == 'guarded':
    WorkerGuardHook()
    WorkerGuardHook()  # a second runner in the same process installs nothing more
pid = os.fork()
if pid == 0:
    time.sleep(120)
    os._exit(0)
print(pid, flush=True)
time.sleep(120)
'''


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's PID 1 may never reap it)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def _orphan_after_kill(mode: str, wait: float) -> bool:
    parent = subprocess.Popen([sys.executable, '-c', CHILD, mode], stdout=subprocess.PIPE,
                              text=True)
    child = int(parent.stdout.readline())
    try:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + wait
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        return _running(child)
    finally:
        if _running(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='prctl is Linux only')
def test_forked_child_dies_with_killed_parent():
    assert not _orphan_after_kill('guarded', wait=10)
    # the control: without the hook the same child outlives its parent
    assert _orphan_after_kill('unguarded', wait=1)
