"""`mim train/test mmdet` and tools/train.py, tools/test.py on a config of ours, end to end."""
import os.path as osp
import pickle
import sys

import pytest

from mmdet_semiconv.testing import BIN, REPO
from mmdet_semiconv.testing import run_tool as _run


@pytest.mark.slow
def test_mim_train_then_mim_test(tiny_config, tmp_path):
    work_dir = str(tmp_path / 'mim')
    _run([osp.join(BIN, 'mim'), 'train', 'mmdet', tiny_config, '--work-dir', work_dir],
         cwd=tmp_path)
    ckpt = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(ckpt)
    out = _run([osp.join(BIN, 'mim'), 'test', 'mmdet', tiny_config, '--checkpoint', ckpt,
                '--work-dir', work_dir], cwd=tmp_path)
    assert 'coco/segm_mAP' in out


@pytest.mark.slow
def test_tools_train_then_test(tiny_config, tmp_path):
    work_dir = str(tmp_path / 'tools')
    _run([sys.executable, osp.join(REPO, 'tools', 'train.py'), tiny_config,
          '--work-dir', work_dir], cwd=REPO)
    ckpt = osp.join(work_dir, 'iter_2.pth')
    results = tmp_path / 'results.pkl'
    results.write_bytes(b'an earlier result')
    out = _run([sys.executable, osp.join(REPO, 'tools', 'test.py'), tiny_config, ckpt,
                '--work-dir', work_dir, '--out', str(results)], cwd=REPO)
    assert 'coco/bbox_mAP' in out and 'coco/segm_mAP' in out
    # --out replaced whole, through a partial file beside it that is gone afterwards
    assert len(pickle.loads(results.read_bytes())) == 3
    assert [p.name for p in tmp_path.iterdir() if 'partial' in p.name] == []
