"""Fig. 3 in a reduced mode: semi-conv separates identical dots, conv cannot."""
import os.path as osp

import pytest

from mmdet_semiconv.testing import load_script

fig3_dot_grid = load_script('tools/analysis_tools/fig3_dot_grid.py')


@pytest.mark.slow
def test_semiconv_beats_conv_on_the_dot_grid(tmp_path):
    out = str(tmp_path / 'fig3.png')
    settings = fig3_dot_grid.Fig3Settings(iters=80, size=96, grid=3, out=out)
    res = fig3_dot_grid.reproduce_fig3(settings)
    assert osp.getsize(out) > 5_000
    assert res['semi-conv']['ari'] > res['conv']['ari'] + 0.5
    assert res['semi-conv']['ari'] > 0.9 and res['conv']['ari'] < 0.3


@pytest.mark.parametrize('argv, message', [
    (['--grid', '0'], '--grid must be at least 1'), (['--iters', '-1'], '--iters must be'),
    (['--size', '40', '--grid', '4'], 'give --size >= 64'), (['--lr', '0'], 'positive')])
def test_settings_that_cannot_give_a_result_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        fig3_dot_grid.main(argv)
    assert message in capsys.readouterr().err
