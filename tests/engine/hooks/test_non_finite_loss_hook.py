"""NonFiniteLossHook: a NaN loss stops training at its iteration, named, before a checkpoint."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmdet_semiconv.engine import NonFiniteLossHook


class _Toy(BaseModel):
    """loss_fine is always finite; loss_bad turns NaN from iteration ``bad_from`` on."""

    def __init__(self, bad_from: int):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.bad_from = bad_from
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.calls += 1
        bad = float('nan') if self.calls >= self.bad_from else 1.
        return dict(loss_fine=(self.w * inputs).mean(), loss_bad=self.w.sum() * bad)


class _Data(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.ones(2))


def _runner(work_dir, bad_from):
    return Runner(
        model=_Toy(bad_from), work_dir=str(work_dir),
        train_dataloader=dict(dataset=_Data(), sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate'), batch_size=2,
                              num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=4),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1)),
        custom_hooks=[dict(type='NonFiniteLossHook')], default_scope='mmdet')


def test_a_nan_loss_stops_training_naming_the_iteration_and_the_term(tmp_path):
    runner = _runner(tmp_path, bad_from=3)
    with pytest.raises(FloatingPointError, match=r'iteration 3: .*loss_bad not finite'):
        runner.train()
    assert osp.isfile(tmp_path / 'iter_2.pth')
    assert not osp.exists(tmp_path / 'iter_3.pth')  # no checkpoint of the NaN step


def test_finite_losses_train_to_the_end(tmp_path):
    _runner(tmp_path, bad_from=100).train()
    assert osp.isfile(tmp_path / 'iter_4.pth')


def test_it_runs_before_the_checkpoint_hook():
    from mmengine.hooks import CheckpointHook
    from mmengine.runner.priority import get_priority
    assert get_priority(NonFiniteLossHook.priority) < get_priority(CheckpointHook.priority)
