"""The main job: synthetic worms -> train SemiConv Mask R-CNN on CPU -> COCO metrics -> pictures.

    python tools/main_job.py [--config configs/semiconv_worms_cpu.py] [--max-iters N]

Generates ``data/synthetic_worms`` if it is missing, trains with mmengine's Runner (normal
progress and logs in ``work_dirs/<config name>/``), evaluates COCO bbox and segm metrics on the
validation split (a generator seed not used for training), prints them as a table, and writes
``work_dirs/<config name>/vis/*.png``: predicted masks over the input, Phi as arrows, Psi as
colours. Re-running resumes an interrupted training and skips a finished one.
"""
import argparse
import os.path as osp
import time
from typing import Dict, Optional

import torch
import yaml
from mmengine.config import Config
from mmengine.runner import Runner

import mmdet_semiconv  # noqa: F401
from mmdet_semiconv.datasets import SyntheticWormSplits
from mmdet_semiconv.evaluation.tables import coco_table, matching_table
from mmdet_semiconv.utils.cli import index, positive_int
from mmdet_semiconv.visualization import draw_predictions


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/semiconv_worms_cpu.py')
    parser.add_argument('--work-dir', help='default: work_dirs/<config name>')
    parser.add_argument('--max-iters', type=int, help='override the schedule length')
    parser.add_argument('--num-vis', type=index, default=4, help='pictures to draw')
    parser.add_argument('--threads', type=positive_int, default=1,
                        help='torch intra-op threads; the result depends on it '
                        '(docs/getting_started.md), so it is fixed and the README quotes the '
                        'default')
    return parser.parse_args(argv)


REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: how far the main job's AP may be from the quoted one and still match: the spread of the same
#: command between two 2-core CPUs (docs/getting_started.md, "What the main job prints")
TOLERANCE_AP = 0.5
#: metafile metric name -> key of mmdet's CocoMetric
METRICS = {'box AP': 'coco/bbox_mAP', 'mask AP': 'coco/segm_mAP'}


def quoted_results(config: str) -> Optional[Dict[str, float]]:
    """The box and mask AP the model zoo (configs/metafile.yml, from which README and
    docs/model_zoo.md quote) gives for ``config``, in percent; None if it lists none."""
    with open(osp.join(REPO, 'configs', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    target = osp.realpath(config)
    for model in models:
        if osp.realpath(osp.join(REPO, model['Config'])) == target:
            return {name: float(value) for result in model.get('Results', [])
                    for name, value in result['Metrics'].items() if name in METRICS}
    return None


def compare_with_quoted(metrics: Dict[str, float], quoted: Dict[str, float]) -> str:
    """One line: what the model zoo quotes for this command, what this run gave, and whether
    they agree to the quoted digit, within ``TOLERANCE_AP`` or not."""
    ran = {name: 100 * float(metrics[key]) for name, key in METRICS.items() if key in metrics}
    gaps = [abs(round(ran.get(name, float('nan')), 1) - value) for name, value in quoted.items()]
    text = ' / '.join(f'{name} {value:.1f}' for name, value in quoted.items())
    got = ' / '.join(f'{name} {ran.get(name, float("nan")):.1f}' for name in quoted)
    if all(gap < 0.05 for gap in gaps):
        verdict = 'the same'
    elif all(gap <= TOLERANCE_AP for gap in gaps):
        verdict = (f'matches, within {TOLERANCE_AP} AP of the quoted run: the same command on '
                   'another 2-core CPU of the same kind gave box 30.6 / mask 19.6')
    else:
        verdict = ('DIFFERENT: another torch build, CPU, thread count or changed code moves a '
                   '300-iteration CPU run (docs/getting_started.md)')
    return f'model zoo quotes {text} for this command; this run: {got} ({verdict})'


def build_config(args: argparse.Namespace) -> Config:
    """The config of the run: ``args.config`` with the schedule length, a work dir, resuming
    and a checkpoint every 50 iterations (so a kill loses at most 50)."""
    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.max_iters is not None:
        if args.max_iters <= 0:
            raise SystemExit(f'--max-iters must be > 0, got {args.max_iters}')
        cfg.train_cfg.max_iters = args.max_iters
        cfg.param_scheduler[-1].end = args.max_iters
        cfg.param_scheduler[-1].milestones = [int(args.max_iters * 0.8)]
    # evaluate once, after training, through runner.test(): mmengine's IterBasedTrainLoop
    # validates at the last iteration whatever val_interval says, unless val_begin is past it
    cfg.train_cfg.val_begin = cfg.train_cfg.max_iters + 1
    cfg.resume = True  # continues an interrupted run; a finished one is not retrained
    # ... from the last of these (the schedule's own interval is its length)
    cfg.default_hooks.checkpoint.update(interval=min(50, cfg.train_cfg.max_iters),
                                        max_keep_ckpts=2)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.time()
    cfg = build_config(args)

    data_root = cfg.train_dataloader.dataset.data_root
    SyntheticWormSplits(root=data_root).ensure()

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    print('\nCOCO metrics on the validation split (synthetic worms, val seed):')
    print(coco_table(metrics))
    if any(k.startswith('matching/') for k in metrics):
        print('\ninstance matching, summed over the split (the cell-segmentation field\'s scores):')
        print(matching_table(metrics))
    quoted = quoted_results(args.config)
    if quoted and args.max_iters is None and args.threads == 1:
        print(compare_with_quoted(metrics, quoted))
    paths = draw_predictions(runner.model, runner.test_dataloader,
                             osp.join(cfg.work_dir, 'vis'), args.num_vis)
    print('\npictures:\n  ' + '\n  '.join(paths))
    print(f'\nmain job finished in {time.time() - start:.0f} s ({args.threads} torch thread(s))')


if __name__ == '__main__':
    main()
