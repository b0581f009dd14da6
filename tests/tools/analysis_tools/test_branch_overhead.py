"""The branch-overhead tool: attribution to the branch's parts, statistics, data."""
import json
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from mmdet_semiconv.models.utils import branch_scope
from mmdet_semiconv.testing import CONFIGS, REPO, load_script, markdown_tables
from mmdet_semiconv.testing import run_tool as _run

branch_overhead = load_script('tools/analysis_tools/branch_overhead.py')


def test_branch_times_gives_each_part_its_forward_and_backward():
    torch.manual_seed(0)
    inside = torch.nn.Conv2d(8, 8, 3, padding=1)
    outside = torch.nn.Conv2d(32, 32, 3, padding=1)  # 16x the work of ``inside`` per cell
    x, z = torch.randn(2, 8, 32, 32), torch.randn(2, 32, 128, 128)

    def step():
        with branch_scope('phi_subnet_p2'):
            y = inside(x).relu()
            with branch_scope('u_hat'):  # nested: its time is not the outer part's
                y = y + 1
        (y.sum() + outside(z).sum()).backward()

    _, events = branch_overhead.profile_step(step)
    times = branch_overhead.branch_times(events)
    assert set(times) == {'phi_subnet_p2', 'u_hat'}
    assert times['phi_subnet_p2']['forward'] > 0 and times['phi_subnet_p2']['backward'] > 0
    assert times['u_hat']['forward'] > 0
    # the convolution outside every scope is nobody's, though it has most of the backward
    backward = sum(e.cpu_time_total for e in events if e.name.startswith(
        'autograd::engine::evaluate_function: Convolution'))
    assert times['phi_subnet_p2']['backward'] < 0.5 * backward


def test_branch_scope_refuses_an_unknown_part():
    with pytest.raises(ValueError, match='not a part'):
        branch_scope('backbone')


def test_summary_is_the_median_per_image_and_the_ratio_of_medians():
    from torch.utils.benchmark import Measurement
    from torch.utils.benchmark.utils.common import TaskSpec

    def measured(name, times):
        return Measurement(1, times, TaskSpec('step()', 'pass', sub_label=name))

    times = dict(train={'a': measured('a', [0.6, 0.2, 0.4]), 'b': measured('b', [0.2, 0.2, 0.8])})
    s = branch_overhead.summarize(times, dict(train=2), ('a', 'b'))['train']
    assert s['a']['median'] == pytest.approx(200.)  # 0.4 s per batch of 2 images
    assert s['ratio'] == pytest.approx(2.0)
    # per-batch ratios 3, 1, 0.5: quartiles of the pairs, not of the two medians
    assert s['paired'] == pytest.approx((0.75, 1.0, 2.0))


def test_the_models_alternate_which_goes_first():
    assert branch_overhead.alternating(3, ['a', 'b']) == [
        (0, 'a'), (0, 'b'), (1, 'b'), (1, 'a'), (2, 'a'), (2, 'b')]


def test_point_at_data_sets_classes_files_and_scale(tiny_worms):
    cfg = branch_overhead.load_config(osp.join(CONFIGS, 'mask-rcnn_r101_fpn_voc.py'), detections=7)
    assert cfg.model.backbone.init_cfg is None  # random weights: nothing downloads
    assert cfg.model.test_cfg.rcnn.score_thr == 0 and cfg.model.test_cfg.rcnn.max_per_img == 7
    branch_overhead.point_at_data(cfg, tiny_worms[0], 'annotations/val.json')
    branch_overhead.set_input_scale(cfg, (1333, 800))
    for key in ('train_dataloader', 'test_dataloader'):
        dataset = cfg[key].dataset
        assert dataset.data_root == tiny_worms[0]
        assert dataset.metainfo == dict(classes=('worm', ))
        resizes = [t for t in dataset.pipeline if 'Resize' in t['type']]
        assert resizes == [dict(type='Resize', scale=(1333, 800), keep_ratio=True)]
        assert cfg[key].num_workers == 0


def test_point_at_data_names_the_file_and_the_fix(tmp_path, tiny_worms):
    cfg = Config.fromfile(osp.join(CONFIGS, 'mask-rcnn_worms_cpu.py'))
    with pytest.raises(ValueError, match='nothing.json.*categories'):
        branch_overhead.point_at_data(cfg, str(tmp_path), 'nothing.json')
    many = tmp_path / 'many.json'
    many.write_text(json.dumps(dict(categories=[dict(id=i, name=str(i)) for i in range(3)])))
    with pytest.raises(ValueError, match='3 categories, the model predicts 1'):
        branch_overhead.point_at_data(cfg, str(tmp_path), 'many.json')


def test_random_models_share_their_common_weights_so_they_detect_the_same_boxes(tiny_worms):
    import argparse
    parser = argparse.ArgumentParser()
    branch_overhead.add_model_args(parser)
    args = parser.parse_args([
        osp.join(CONFIGS, 'semiconv_worms_cpu.py'), '--baseline',
        osp.join(CONFIGS, 'mask-rcnn_worms_cpu.py'), '--data-root', tiny_worms[0],
        '--detections', '5', '--device', 'cpu'])
    cfg, models = branch_overhead.build_pair(args)
    batch = branch_overhead.batches(cfg.test_dataloader, 1)[0]
    boxes = []
    for model in models.values():
        model.eval()
        with torch.no_grad():
            out = model(**model.data_preprocessor(batch, False), mode='predict')
        boxes.append(out[0].pred_instances.bboxes)
    assert len(boxes[0]) == 5 and torch.equal(*boxes)


def test_memory_is_cuda_max_allocated_and_absent_on_the_cpu():
    from branch_overhead import cuda_peak_memory_mb
    calls = []
    assert cuda_peak_memory_mb(lambda: calls.append(1), 'cpu') is None
    assert calls == []  # nothing is run for a number that will not be reported


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
