"""tools/demo.py: mmdet's DetInferencer on a trained semi-conv model, pictures and predictions."""
import glob
import os.path as osp
import sys

import pytest

from mmdet_semiconv.testing import REPO
from mmdet_semiconv.testing import run_tool as _run


@pytest.mark.slow
def test_demo_draws_and_dumps_every_image(tmp_path, tiny_trained, tiny_worms):
    config, _, ckpt = tiny_trained
    images = osp.join(tiny_worms[0], 'val')
    out = str(tmp_path / 'demo')
    _run([sys.executable, osp.join(REPO, 'tools', 'demo.py'), images, '--config', config,
          '--weights', ckpt, '--out-dir', out, '--pred-score-thr', '0.0'], cwd=REPO)
    assert len(glob.glob(osp.join(out, 'vis', '*.png'))) == 3
    assert len(glob.glob(osp.join(out, 'preds', '*.json'))) == 3
