"""One seeded training step of a config: its losses and every gradient, saved to compare two
code versions bitwise (how the eager Phi of issue 25 was checked against the lazy one).

    python .dev_scripts/one_step_grads.py save configs/semiconv_worms_cpu.py before.pt
    (switch code, e.g. PYTHONPATH=<other worktree>)  ... save ... after.pt
    python .dev_scripts/one_step_grads.py compare before.pt after.pt

Only the losses that are tensors are summed and backpropagated (mmdet's RPN returns lists).
"""
import argparse
import random

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmdet.registry import MODELS


def save(config: str, out: str) -> None:
    import mmdet_semiconv  # noqa: F401
    torch.set_num_threads(1)
    cfg = Config.fromfile(config)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    np.random.seed(0)
    random.seed(0)
    batch = next(iter(loader))
    torch.manual_seed(1)
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    losses = {k: v for k, v in losses.items() if isinstance(v, torch.Tensor)}
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    torch.save(dict(losses={k: v.detach() for k, v in losses.items()},
                    grads={n: p.grad for n, p in model.named_parameters()
                           if p.grad is not None}), out)


def compare(a_path: str, b_path: str) -> None:
    a, b = torch.load(a_path), torch.load(b_path)
    for k in a['losses']:
        same = torch.equal(a['losses'][k], b['losses'][k])
        print(f'loss {k}: {"bitwise equal" if same else "DIFFERS"}')
    same = [n for n in a['grads'] if torch.equal(a['grads'][n], b['grads'][n])]
    diff = [n for n in a['grads'] if n not in same]
    print(f'{len(same)} gradients bitwise equal, {len(diff)} differ')
    for n in diff:
        print(f'  {n}: max |diff| {(a["grads"][n] - b["grads"][n]).abs().max():.3g} '
              f'(max |grad| {a["grads"][n].abs().max():.3g})')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('save')
    s.add_argument('config')
    s.add_argument('out')
    c = sub.add_parser('compare')
    c.add_argument('a')
    c.add_argument('b')
    args = parser.parse_args()
    save(args.config, args.out) if args.cmd == 'save' else compare(args.a, args.b)
