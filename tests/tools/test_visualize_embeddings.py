"""tools/visualize_embeddings.py: Phi, Psi and a kernel drawn for a trained model, and its
refusals (a detection index out of range, a model without the branch)."""
import os.path as osp
import subprocess
import sys

import pytest

from mmdet_semiconv.testing import REPO
from mmdet_semiconv.testing import run_tool as _run


@pytest.mark.slow
def test_embedding_pictures_and_refusals(tmp_path, tiny_trained, tiny_worms):
    config, _, ckpt = tiny_trained
    images = osp.join(tiny_worms[0], 'val')
    pic = str(tmp_path / 'emb.png')
    log = _run([sys.executable, osp.join(REPO, 'tools', 'visualize_embeddings.py'),
                osp.join(images, '00001.png'), config, ckpt, '--out', pic,
                '--score-thr', '0.0', '--cfg-options', 'model.test_cfg.rcnn.score_thr=0.0'],
               cwd=REPO)
    assert osp.getsize(pic) > 10_000
    assert 'kernel0' in log and osp.isfile(pic.replace('.png', '_kernel0.png'))

    # a detection beyond the last is said, not an IndexError; a negative one is refused
    tool = [sys.executable, osp.join(REPO, 'tools', 'visualize_embeddings.py'),
            osp.join(images, '00001.png')]
    log = _run(tool + [config, ckpt, '--out', pic, '--det', '999'], cwd=REPO)
    assert 'no kernel picture: --det 999' in log
    bad = subprocess.run(tool + [config, ckpt, '--det', '-1'], cwd=REPO, capture_output=True,
                         text=True)
    assert bad.returncode == 2 and '--det: must be >= 0' in bad.stderr
    # a model without the branch has no Phi to draw: said, not an AttributeError
    plain = osp.join(REPO, 'configs', 'mask-rcnn_worms_cpu.py')
    bad = subprocess.run(tool + [plain, ckpt, '--out', pic, '--cfg-options',
                                 f'test_dataloader.dataset.data_root={tiny_worms[0]}/'],
                         cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and 'has no semi-conv branch' in bad.stderr
