"""The main job: what it quotes is what the README says, and how it schedules and resumes."""
import os.path as osp
import subprocess
import sys

from mmdet_semiconv.testing import REPO, load_script


def _main_job():
    return load_script('tools/main_job.py')


def test_the_readme_quotes_what_the_model_zoo_gives_for_the_main_job():
    quoted = _main_job().quoted_results(osp.join(REPO, 'configs', 'semiconv_worms_cpu.py'))
    assert set(quoted) == {'box AP', 'mask AP'}
    with open(osp.join(REPO, 'README.md')) as f:
        readme = f.read()
    assert f'{quoted["box AP"]:.1f}' in readme and f'{quoted["mask AP"]:.1f}' in readme


def test_a_run_is_compared_with_the_quoted_numbers():
    job = _main_job()
    quoted = {'box AP': 30.7, 'mask AP': 19.9}
    same = job.compare_with_quoted({'coco/bbox_mAP': 0.307, 'coco/segm_mAP': 0.199}, quoted)
    assert same.endswith('(the same)') and 'this run: box AP 30.7 / mask AP 19.9' in same
    moved = job.compare_with_quoted({'coco/bbox_mAP': 0.284, 'coco/segm_mAP': 0.188}, quoted)
    assert 'DIFFERENT' in moved and 'box AP 28.4' in moved
    # what another 2-core CPU of the same kind printed: within the measured tolerance
    near = job.compare_with_quoted({'coco/bbox_mAP': 0.306, 'coco/segm_mAP': 0.196}, quoted)
    assert 'matches, within 0.5 AP' in near and 'DIFFERENT' not in near
    # one metric beyond the tolerance is enough to differ
    one = job.compare_with_quoted({'coco/bbox_mAP': 0.307, 'coco/segm_mAP': 0.193}, quoted)
    assert 'DIFFERENT' in one


def test_the_schedule_checkpoints_every_50_iterations_and_resumes():
    job = _main_job()
    cfg = job.build_config(job.parse_args(['--config', osp.join(REPO, 'configs',
                                                                'semiconv_worms_cpu.py')]))
    assert cfg.resume is True and cfg.default_hooks.checkpoint.interval == 50
    assert cfg.train_cfg.val_begin == cfg.train_cfg.max_iters + 1  # evaluated once, at the end
    short = job.build_config(job.parse_args(['--max-iters', '20', '--config', osp.join(
        REPO, 'configs', 'semiconv_worms_cpu.py')]))
    assert short.default_hooks.checkpoint.interval == 20
    assert short.param_scheduler[-1].end == 20


def test_no_iterations_is_refused():
    out = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'main_job.py'),
                          '--max-iters', '0'], capture_output=True, text=True, cwd=REPO)
    assert out.returncode != 0 and '--max-iters must be > 0, got 0' in out.stderr
