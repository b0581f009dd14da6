"""The staged benchmark's bookkeeping: paired intervals, caches, logged diagnostics."""
import json
import os

import pytest

from mmdet_semiconv.testing import load_script

staged = load_script('.dev_scripts/benchmark_staged.py')


def test_paired_difference_by_hand():
    # differences 1, 2, 3: mean 2, sd 1, t(0.975, 2 dof) = 4.3027
    mean, lo, hi = staged.paired_difference([1.5, 3., 4.], [0.5, 1., 1.])
    assert mean == pytest.approx(2.)
    assert hi - mean == pytest.approx(4.3027 / 3 ** 0.5, rel=1e-4)
    assert mean - lo == pytest.approx(hi - mean)


def _scalars(path, records):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(json.dumps(r) for r in records))


def test_curves_and_logged_diagnostics_span_resumed_runs(tmp_path):
    _scalars(str(tmp_path / 'a' / 'vis_data' / 'scalars.json'),
             [dict(iter=25, step=25, sigma_px=64., eq5_p2=0.5),
              dict(iter=150, step=150), dict(step=0, **{'coco/segm_mAP': .2})])
    _scalars(str(tmp_path / 'b' / 'vis_data' / 'scalars.json'),
             [dict(iter=175, step=175, sigma_px=20., eq5_p2=0.1),
              dict(iter=300, step=300), dict(step=0, **{'coco/segm_mAP': .3})])
    assert staged.val_curve(str(tmp_path)) == {150: .2, 300: .3}
    logged = staged._logged(str(tmp_path))
    assert logged['train_sigma_px_first'] == 64. and logged['train_sigma_px_last'] == 20.
    assert logged['train_eq5_p2_last'] == 0.1


def test_a_recipe_name_cannot_be_reused_for_other_settings(tmp_path):
    bench = staged.StagedBenchmark(work_dir=str(tmp_path))
    staged.write_json(str(tmp_path / 'seed300' / 'stage2_semiconv_v1' / 'results.json'),
                      dict(options=['a=1']))
    assert bench.stage2(300, 'semiconv', 'v1', ['a=1']) == dict(options=['a=1'])  # cached
    with pytest.raises(ValueError, match='new recipe name'):
        bench.stage2(300, 'semiconv', 'v1', ['a=2'])


def test_a_fresh_fine_tuning_keeps_its_load_from(tmp_path, monkeypatch):
    """mmdet's train.py --resume resets load_from: only pass it once the run has a checkpoint."""
    calls = []
    monkeypatch.setattr(staged, 'run_tool',
                        lambda tool, args, log=None: calls.append(args))
    work = tmp_path / 'stage2'
    staged.train('cfg.py', str(work), 10, ['load_from=stage1.pth'])
    assert '--resume' not in calls[-1] and 'load_from=stage1.pth' in calls[-1]
    work.mkdir()
    (work / 'last_checkpoint').write_text('iter_5.pth')
    staged.train('cfg.py', str(work), 10, ['load_from=stage1.pth'])
    assert '--resume' in calls[-1]


def test_the_report_reads_a_recipe_run_with_its_options(tmp_path):
    """Regression: the report asked the cache for the recipe without its options."""
    bench = staged.StagedBenchmark(work_dir=str(tmp_path))
    metrics = {k: 0.5 for k, _ in staged.COLUMNS}
    for seed in (300, 301):
        seed_dir = tmp_path / f'seed{seed}'
        staged.write_json(str(seed_dir / 'stage2_maskrcnn_default' / 'results.json'),
                          dict(metrics, options=[]))
        staged.write_json(str(seed_dir / 'stage2_semiconv_s1' / 'results.json'),
                          dict(metrics, **{'coco/segm_mAP': 0.6}, options=['a=1']))
        _scalars(str(tmp_path / f'seed{seed}' / 'stage1' / 'x' / 'vis_data' / 'scalars.json'),
                 [dict(iter=150, step=150), dict(step=0, **{'coco/segm_mAP': .2})])
    text = staged.report(bench, [300, 301], 's1', 'cmd', 0., 'cpu', options=['a=1'])
    assert '| +0.100 [+0.100, +0.100] |' in text


def test_a_seed_made_with_other_settings_is_refused_not_served_from_the_cache(tmp_path):
    from mmdet_semiconv.datasets import WormConfig
    staged.StagedBenchmark(work_dir=str(tmp_path)).seed_dir(300)
    assert staged.StagedBenchmark(work_dir=str(tmp_path)).seed_dir(300) == str(tmp_path / 'seed300')
    for changed in (dict(stage1_iters=600), dict(worms=WormConfig(width=320)),
                    dict(stage1_config='configs/other.py')):
        with pytest.raises(ValueError, match=r'settings.json.*(stage1_iters|worms|stage1_'
                                             r'config).*own --work-dir'):
            staged.StagedBenchmark(work_dir=str(tmp_path), **changed).seed_dir(300)
