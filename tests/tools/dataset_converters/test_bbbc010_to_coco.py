"""The converter CLIs refuse bad arguments before converting anything."""
import os.path as osp
import re
import subprocess
import sys

from mmdet_semiconv.testing import REPO


def test_bbbc010_train_wells_that_cannot_be_read_are_named(tmp_path):
    tool = osp.join(REPO, 'tools', 'dataset_converters', 'bbbc010_to_coco.py')
    empty = tmp_path / 'wells.txt'
    empty.write_text('\n')
    for wells, said in ((tmp_path / 'missing.txt', 'cannot read .*missing.txt'),
                        (empty, 'wells.txt lists no well')):
        proc = subprocess.run([sys.executable, tool, str(tmp_path), '--out-dir',
                               str(tmp_path / 'out'), '--train-wells', str(wells)],
                              capture_output=True, text=True)
        assert proc.returncode == 2
        assert 'argument --train-wells' in proc.stderr
        assert re.search(said, proc.stderr), proc.stderr
    assert not (tmp_path / 'out').exists()
