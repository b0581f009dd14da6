"""Fig. 3 in a reduced mode: semi-conv separates identical dots, conv cannot."""
import os.path as osp

import pytest

from mmdet_semiconv.experiments.fig3_dot_grid import Fig3Settings, reproduce_fig3


@pytest.mark.slow
def test_semiconv_beats_conv_on_the_dot_grid(tmp_path):
    out = str(tmp_path / 'fig3.png')
    res = reproduce_fig3(Fig3Settings(iters=80, size=96, grid=3, out=out))
    assert osp.getsize(out) > 5_000
    assert res['semi-conv']['ari'] > res['conv']['ari'] + 0.5
    assert res['semi-conv']['ari'] > 0.9 and res['conv']['ari'] < 0.3
