"""Evaluate a checkpoint: mmdet's tools/test.py with mmdet_semiconv loaded (same flags).

    python tools/test.py configs/semiconv_worms_cpu.py work_dirs/.../iter_300.pth
"""
from _mmdet_tool import run

if __name__ == '__main__':
    run('test.py')
