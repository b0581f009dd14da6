"""Table 1 on synthetic worms: Mask R-CNN vs semi-conv fine-tuning, over several seeds.

    python tools/analysis_tools/benchmark_staged.py [--seeds 0 1 2] [--stage1-iters 450]
        [--stage2-iters 300] [--work-dir work_dirs/benchmark_staged] [--out docs/...md]

For each seed s (data and initialisation):
  1. generate a train split (generator seed 100 + s) and a validation split (seed 200 + s,
     never used for training), with the default WormConfig;
  2. stage 1: train plain Mask R-CNN (configs/mask-rcnn_worms_cpu.py) from scratch;
  3. stage 2: fine-tune it with the semi-conv branch (configs/semiconv_worms_cpu_finetune.py,
     load_from the stage-1 checkpoint), and, for fairness, fine-tune the plain Mask R-CNN for
     the same extra schedule (configs/mask-rcnn_worms_cpu_finetune.py);
  4. evaluate both on the validation split with COCO segm metrics.
Prints a Table 1 style table (mean +- std over seeds) and writes it, with the per-seed numbers,
to --out. Each run is a subprocess of tools/train.py/test.py, so a failure names its command.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

from mmdet_semiconv.datasets import WormDataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRICS = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')


def run(cmd):
    print('$ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)


def train(config, work_dir, iters, seed, data_root, load_from=None):
    ckpt = osp.join(work_dir, f'iter_{iters}.pth')
    if osp.isfile(ckpt):
        return ckpt
    # val_begin past the end: no validation inside training (evaluate() does it on this
    # seed's split; mmengine would otherwise validate on the config's default data at the end)
    opts = [f'train_cfg.max_iters={iters}', f'train_cfg.val_begin={iters + 1}',
            f'default_hooks.checkpoint.interval={iters}', f'randomness.seed={seed}',
            f'train_dataloader.dataset.data_root={data_root}/']
    # the step decay keeps its place in the schedule: at 80% (stage 1) or 50% (stage 2)
    if load_from:
        opts += [f'load_from={load_from}', f'param_scheduler.0.end={iters}',
                 f'param_scheduler.0.milestones=[{iters // 2}]']
    else:
        opts += [f'param_scheduler.1.end={iters}',
                 f'param_scheduler.1.milestones=[{int(iters * 0.8)}]']
    run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir, '--cfg-options']
        + opts)
    return ckpt


def evaluate(config, ckpt, work_dir, data_root):
    out = osp.join(work_dir, 'metrics.json')
    if not osp.isfile(out):
        run([sys.executable, 'tools/test.py', config, ckpt, '--work-dir', work_dir,
             '--cfg-options', f'test_dataloader.dataset.data_root={data_root}/',
             f'test_evaluator.ann_file={data_root}/annotations/val.json'])
        # tools/test.py logs metrics in <work_dir>/<timestamp>/<timestamp>.json
        stamps = sorted(d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d)))
        log = osp.join(work_dir, stamps[-1], stamps[-1] + '.json')
        with open(log) as f:
            metrics = json.loads(f.readlines()[-1])
        with open(out, 'w') as f:
            json.dump(metrics, f)
    with open(out) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--stage1-iters', type=int, default=450)
    parser.add_argument('--stage2-iters', type=int, default=300)
    parser.add_argument('--num-train', type=int, default=200)
    parser.add_argument('--num-val', type=int, default=50)
    parser.add_argument('--work-dir', default='work_dirs/benchmark_staged')
    parser.add_argument('--out', default='docs/benchmark_synthetic_worms.md')
    args = parser.parse_args()
    start = time.time()
    rows = {'Mask R-CNN': [], 'Ours (semi-conv)': []}
    for seed in args.seeds:
        root = osp.join(args.work_dir, f'seed{seed}')
        data = osp.join(root, 'data')
        WormDataset(root=data, num_train=args.num_train, num_val=args.num_val,
                    train_seed=100 + seed, val_seed=200 + seed).ensure()
        stage1 = train('configs/mask-rcnn_worms_cpu.py', osp.join(root, 'stage1'),
                       args.stage1_iters, seed, data)
        for name, config in (('Mask R-CNN', 'configs/mask-rcnn_worms_cpu_finetune.py'),
                             ('Ours (semi-conv)', 'configs/semiconv_worms_cpu_finetune.py')):
            wd = osp.join(root, 'stage2_' + ('semiconv' if 'semi' in name else 'maskrcnn'))
            ckpt = train(config, wd, args.stage2_iters, seed, data, load_from=stage1)
            m = evaluate(config, ckpt, wd, data)
            rows[name].append([m[f'coco/segm_{k}'] for k in METRICS])

    head = '| method | ' + ' | '.join(k.replace('mAP', 'AP') for k in METRICS) + ' |'
    lines = [head, '|---' * (len(METRICS) + 1) + '|']
    for name, vals in rows.items():
        v = np.array(vals)
        cells = [f'{mu:.3f} ± {sd:.3f}' if mu >= 0 else 'n/a (no instance in range)'
                 for mu, sd in zip(v.mean(0), v.std(0))]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    table = '\n'.join(lines)
    per_seed = '\n'.join(f'- seed {s}: ' + '; '.join(
        f'{n} segm AP {rows[n][i][0]:.3f}' for n in rows) for i, s in enumerate(args.seeds))
    cmd = 'python tools/analysis_tools/benchmark_staged.py ' + ' '.join(sys.argv[1:])
    print('\n' + table + '\n\n' + per_seed)
    with open(args.out, 'w') as f:
        f.write(f'# Staged benchmark on synthetic worms (Table 1 protocol)\n\n'
                f'Command: `{cmd.strip()}`  \n'
                f'Seeds {args.seeds}; stage 1 {args.stage1_iters} iterations, stage 2 '
                f'{args.stage2_iters}; segm metrics on a validation split from an unused '
                f'generator seed; mean ± std over seeds. Wall time '
                f'{(time.time() - start) / 60:.0f} min.\n\n{table}\n\n{per_seed}\n')
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
