"""VOC 2012 and BBBC010: converter -> stage 1 -> stage 2 (hook) -> test, through `mim`.

The R101-FPN configs run on the release-layout fixtures with CPU-sized --cfg-options (tiny
images, no ImageNet download, one epoch of 1-2 iterations).
"""
import os.path as osp

import pytest

from mmdet_semiconv.datasets.converters import convert_bbbc010, convert_voc
from mmdet_semiconv.testing import BIN, CONFIGS, make_bbbc010, make_voc
from mmdet_semiconv.testing import run_tool as _run


def _options(data_root, train_json, val_json, evaluators):
    opts = {
        'model.backbone.init_cfg': 'None',
        'train_cfg.max_epochs': '1', 'train_cfg.val_interval': '1',
        'param_scheduler.0.end': '1',
        'default_hooks.checkpoint.interval': '1',
        'train_dataloader.num_workers': '0', 'train_dataloader.persistent_workers': 'False',
        'val_dataloader.num_workers': '0', 'val_dataloader.persistent_workers': 'False',
        'test_dataloader.num_workers': '0', 'test_dataloader.persistent_workers': 'False',
        'train_dataloader.dataset.data_root': data_root + '/',
        'val_dataloader.dataset.data_root': data_root + '/',
        'test_dataloader.dataset.data_root': data_root + '/',
        'train_dataloader.dataset.ann_file': train_json,
        'val_dataloader.dataset.ann_file': val_json,
        'test_dataloader.dataset.ann_file': val_json,
        'train_dataloader.dataset.pipeline.2.scale': '(96,64)',
        'val_dataloader.dataset.pipeline.1.scale': '(96,64)',
        'test_dataloader.dataset.pipeline.1.scale': '(96,64)',
    }
    for key in evaluators:
        opts[f'{key}.ann_file'] = osp.join(data_root, val_json)
    return [f'{k}={v}' for k, v in opts.items()]


def _stages(tmp_path, baseline, semiconv, options):
    mim = osp.join(BIN, 'mim')
    stage1 = str(tmp_path / 'stage1')
    _run([mim, 'train', 'mmdet', osp.join(CONFIGS, baseline), '--work-dir', stage1,
          '--cfg-options'] + options, cwd=tmp_path)
    stage2 = str(tmp_path / 'stage2')
    out = _run([mim, 'train', 'mmdet', osp.join(CONFIGS, semiconv), '--work-dir', stage2,
                '--cfg-options', f'load_from={stage1}/epoch_1.pth'] + options, cwd=tmp_path)
    assert 'SemiConvFinetuneHook' in out
    assert 'loss_embedding' in out and 'loss_kernel' in out
    return _run([mim, 'test', 'mmdet', osp.join(CONFIGS, semiconv), '--checkpoint',
                 f'{stage2}/epoch_1.pth', '--work-dir', str(tmp_path / 'test'),
                 '--cfg-options'] + options, cwd=tmp_path)


@pytest.mark.slow
def test_voc_stage1_stage2_test(tmp_path):
    voc, _, _ = make_voc(str(tmp_path / 'src'))
    convert_voc(voc, osp.join(voc, 'annotations', 'voc12_train.json'), split='train')
    convert_voc(voc, osp.join(voc, 'annotations', 'voc12_val.json'), split='val')
    options = _options(voc, 'annotations/voc12_train.json', 'annotations/voc12_val.json',
                       ['val_evaluator.0', 'val_evaluator.1', 'test_evaluator.0',
                        'test_evaluator.1'])
    out = _stages(tmp_path, 'mask-rcnn_r101_fpn_voc.py', 'semiconv_voc.py', options)
    assert 'coco/segm_mAP' in out and 'voc/mAPr@0.5' in out and 'voc/mAPr@0.7' in out


@pytest.mark.slow
def test_celegans_stage1_stage2_test(tmp_path):
    make_bbbc010(str(tmp_path / 'src'))
    out_dir = str(tmp_path / 'coco')
    convert_bbbc010(str(tmp_path / 'src'), out_dir)
    options = _options(out_dir, 'annotations/train.json', 'annotations/test.json',
                       ['val_evaluator.0', 'val_evaluator.1', 'test_evaluator.0',
                        'test_evaluator.1'])
    out = _stages(tmp_path, 'mask-rcnn_r101_fpn_celegans.py', 'semiconv_celegans.py', options)
    assert 'coco/segm_mAP' in out
