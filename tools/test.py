"""Evaluate a checkpoint: mmdet's tools/test.py with mmdet_semiconv loaded (same flags).

    python tools/test.py configs/semiconv_worms_cpu.py work_dirs/.../iter_300.pth [--out r.pkl]

One difference: ``--out`` is written whole or not at all. mmdet's DumpDetResults pickles
straight into the file, so a run killed while writing would leave a truncated file where an
earlier result was; here it writes a partial file beside it, moved over ``--out`` only once the
test has finished.
"""
import os
import sys
from typing import List, Optional, Tuple

from _mmdet_tool import run


def partial_out(argv: List[str]) -> Tuple[List[str], Optional[str], Optional[str]]:
    """``argv`` with ``--out FILE`` pointed at a partial file beside FILE: (argv, FILE,
    partial), or (argv, None, None) without ``--out``."""
    for i, arg in enumerate(argv):
        if arg.startswith('--out='):
            out = arg[len('--out='):]
            argv = argv[:i] + ['--out', out] + argv[i + 1:]
        elif arg == '--out' and i + 1 < len(argv):
            out = argv[i + 1]
        else:
            continue
        # mmdet asks for a .pkl/.pickle name: keep the extension last
        stem, ext = os.path.splitext(out)
        partial = f'{stem}.partial-{os.getpid()}{ext}'
        return argv[:i + 1] + [partial] + argv[i + 2:], out, partial
    return argv, None, None


if __name__ == '__main__':
    sys.argv, out, partial = partial_out(sys.argv)
    run('test.py')
    if out is not None and os.path.isfile(partial):
        os.replace(partial, out)
