"""Run one of mmdet's own tools (shipped in ``mmdet/.mim/tools``) with this package imported.

Our ``train.py``/``test.py`` are exactly mmdet's (same flags, same behaviour, and what
``mim train mmdet`` runs), after ``import mmdet_semiconv`` has registered our modules and the
``weights_only`` checkpoint loader; configs import it too, through ``custom_imports``.
"""
import os.path as osp
import runpy

import mmdet
import mmdet_semiconv  # noqa: F401


def run(tool: str) -> None:
    path = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', tool)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing: reinstall mmdet==3.3.0 from its wheel')
    runpy.run_path(path, run_name='__main__')
