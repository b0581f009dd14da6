"""tools/demo.py (mmdet's DetInferencer) and tools/visualize_embeddings.py on a trained model."""
import glob
import os.path as osp
import subprocess
import sys

import pytest

from mmdet_semiconv.testing import REPO, markdown_tables
from mmdet_semiconv.testing import run_tool as _run


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


@pytest.mark.slow
def test_branch_overhead_times_and_profiles_both_models(tmp_path, tiny_worms):
    tool = osp.join(REPO, 'tools', 'analysis_tools', 'branch_overhead.py')
    models = [osp.join(REPO, 'configs', 'semiconv_worms_cpu.py'), '--baseline',
              osp.join(REPO, 'configs', 'mask-rcnn_worms_cpu.py'), '--data-root',
              tiny_worms[0] + '/', '--scale', '160', '120', '--max-iter', '2', '--warmup', '0']
    out = _run([sys.executable, tool, *models], cwd=REPO)
    assert 'first test input 120x160' in out  # 96 x 72 resized to the given scale
    assert 'one step per batch -' in out and 'Times are in' in out  # benchmark.Compare
    rows = {r['model']: r for r in markdown_tables(out)[0]}
    assert list(rows) == ['semi-conv', 'Mask R-CNN', 'ratio (of medians)']
    # the branch adds the Phi subnet
    assert float(rows['semi-conv']['params (M)']) > float(rows['Mask R-CNN']['params (M)'])
    assert rows['semi-conv']['CUDA train memory (MiB)'] == '-'  # no CUDA: no memory figure

    out = _run([sys.executable, tool, *models, '--profile'], cwd=REPO)
    parts = [row['part'] for row in markdown_tables(out)[0]]
    assert {'phi_subnet_p2', 'phi_roi_align', 'kernel', 'eq5', 'eq5_targets', 'bce_k',
            '**branch, all parts**'} <= set(parts)
