"""tools/predict.py end to end: a trained colouring model's predictions as label images, mask
files and a table, through mmdet's DetInferencer."""
import csv
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmdet_semiconv.testing import REPO, write_tiny_config


@pytest.mark.slow
def test_predict_writes_label_images_mask_files_and_a_table(tmp_path, tiny_worms):
    config = write_tiny_config(
        tmp_path / 'cfg.py', tiny_worms[0], base='semiconv-coloring_worms_cpu.py', max_iters=1,
        extra='model = dict(test_cfg=dict(fg_thr=0.0, seed_thr=0.0, max_per_img=5))')
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'work')
    Runner.from_cfg(cfg).train()
    out = tmp_path / 'pred'
    images = osp.join(tiny_worms[0], 'val')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'predict.py'), config,
         str(tmp_path / 'work' / 'iter_1.pth'), images, '--out-dir', str(out), '--score-thr',
         '0', '--mask-files'], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / 'instances.csv') as f:
        rows = list(csv.DictReader(f))
    assert rows, 'thresholds at 0: the model predicts instances'
    for stem in ('00001', '00002', '00003'):
        label = cv2.imread(str(out / 'labels' / f'{stem}.png'), cv2.IMREAD_UNCHANGED)
        assert label.dtype == np.uint16 and label.shape == (72, 96)
        mine = [r for r in rows if r['image'] == stem]
        # colouring without overlap: every instance keeps its pixels in the label image
        ids = [int(r['instance']) for r in mine]
        assert sorted(np.unique(label[label > 0]).tolist()) == ids
        for r in mine:
            mask = cv2.imread(str(out / 'masks' / f'{stem}_{int(r["instance"]):02d}'
                                  '_ground_truth.png'), cv2.IMREAD_GRAYSCALE) > 0
            assert mask.sum() == int(r['area'])
            assert np.array_equal(mask, label == int(r['instance']))
