"""WorkDirGuardHook: no second live training and no fresh run over an earlier run's checkpoints."""
import fcntl
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset


class _Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))

    def forward(self, inputs, data_samples=None, mode='loss'):
        return dict(loss=(self.w * inputs).mean())


class _Data(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return dict(inputs=torch.ones(2))


def _train(work_dir, max_iters=2, resume=False, **guard):
    runner = Runner(
        model=_Toy(), work_dir=str(work_dir), experiment_name=f'{work_dir}-{max_iters}-{resume}',
        train_dataloader=dict(dataset=_Data(), sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate'), batch_size=2,
                              num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1),
                           work_dir_guard=dict(type='WorkDirGuardHook', **guard)),
        resume=resume, default_scope='mmdet')
    runner.train()
    return runner


def test_a_fresh_run_over_an_earlier_runs_checkpoints_is_refused(tmp_path):
    _train(tmp_path)
    first = (tmp_path / 'iter_2.pth').read_bytes()
    with pytest.raises(RuntimeError, match=r'holds an earlier training \(last_checkpoint: .*'
                       r'iter_2\.pth\) and this one is not resumed'):
        _train(tmp_path)
    assert (tmp_path / 'iter_2.pth').read_bytes() == first  # nothing overwritten
    # resuming it continues it; an overwrite asked for is allowed
    assert _train(tmp_path, max_iters=3, resume=True).iter == 3
    assert _train(tmp_path, overwrite=True).iter == 2


def test_a_second_live_training_in_the_same_work_dir_is_refused(tmp_path):
    with open(osp.join(tmp_path, '.train.lock'), 'a+') as held:  # as a running training holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write('pid 12345\n')
        held.flush()
        with pytest.raises(RuntimeError, match=r'in use by a training that is still running '
                           r'\(pid 12345\)'):
            _train(tmp_path)
        assert not (tmp_path / 'iter_1.pth').exists()
    # the lock goes with the process (or file) that held it
    assert _train(tmp_path).iter == 2
