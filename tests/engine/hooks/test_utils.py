"""run_start: resume and load_from as the runner was given them, however it was built."""
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmdet_semiconv.engine.hooks.utils import run_start


class _Model(BaseModel):

    def __init__(self):
        super().__init__()
        self.w = nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='loss'):
        return dict(loss=self.w(inputs).sum())


def test_a_runner_built_from_keywords_or_from_a_config(tmp_path):
    kwargs = dict(model=_Model(), work_dir=str(tmp_path), resume=True, load_from='x.pth')
    runner = Runner(**kwargs)
    assert not runner.cfg.get('resume')  # what reading runner.cfg would have seen
    assert run_start(runner) == (True, 'x.pth')
    fresh = Runner(model=_Model(), work_dir=str(tmp_path), experiment_name='fresh')
    assert run_start(fresh) == (False, None)
