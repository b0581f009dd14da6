"""tools/demo.py (mmdet's DetInferencer) and tools/visualize_embeddings.py on a trained model."""
import glob
import os.path as osp
import sys

import pytest

from conftest import REPO
from test_train_test_tools import _run


@pytest.mark.slow
def test_demo_and_embedding_pictures(tmp_path, tiny_trained, tiny_worms):
    config, _, ckpt = tiny_trained
    images = osp.join(tiny_worms[0], 'val')
    out = str(tmp_path / 'demo')
    _run([sys.executable, osp.join(REPO, 'tools', 'demo.py'), images, '--config', config,
          '--weights', ckpt, '--out-dir', out, '--pred-score-thr', '0.0'], cwd=REPO)
    assert len(glob.glob(osp.join(out, 'vis', '*.png'))) == 3
    assert len(glob.glob(osp.join(out, 'preds', '*.json'))) == 3

    pic = str(tmp_path / 'emb.png')
    log = _run([sys.executable, osp.join(REPO, 'tools', 'visualize_embeddings.py'),
                osp.join(images, '00001.png'), config, ckpt, '--out', pic,
                '--score-thr', '0.0', '--cfg-options', 'model.test_cfg.rcnn.score_thr=0.0'],
               cwd=REPO)
    assert osp.getsize(pic) > 10_000
    assert 'kernel0' in log and osp.isfile(pic.replace('.png', '_kernel0.png'))
