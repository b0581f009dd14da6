"""Packaging; metadata lives in setup.cfg.

OpenMMLab packages ship configs and the model index inside the package under ``.mim`` so
that ``mim`` can find them (``mim download mmdet_semiconv --config ...``).  An editable
install links them instead of copying, as mmdet's own setup.py does.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import setup

MIM_FILES = ('configs', 'tools', 'model-index.yml')


def add_mim_extension() -> None:
    """Expose configs, tools and model-index.yml under ``mmdet_semiconv/.mim``."""
    develop = 'develop' in sys.argv or any('editable' in a for a in sys.argv)
    mode = 'symlink' if develop or 'egg_info' in sys.argv else 'copy'
    here = osp.dirname(osp.abspath(__file__))
    mim_dir = osp.join(here, 'mmdet_semiconv', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(here, name)
        dst = osp.join(mim_dir, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        else:
            (shutil.copytree if osp.isdir(src) else shutil.copyfile)(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup()
