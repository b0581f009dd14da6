"""Train a detector: mmdet's tools/train.py with mmdet_semiconv loaded (same flags).

    python tools/train.py configs/semiconv_worms_cpu.py [--resume] [--cfg-options ...]
"""
from _mmdet_tool import run

if __name__ == '__main__':
    run('train.py')
