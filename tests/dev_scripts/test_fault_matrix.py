""".dev_scripts/fault_matrix.py names only tests that exist (a renamed test breaks the matrix)."""
import os.path as osp
import subprocess
import sys

from mmdet_semiconv.testing import REPO


def test_every_case_names_existing_tests():
    out = subprocess.run([sys.executable, osp.join(REPO, '.dev_scripts', 'fault_matrix.py'),
                          '--check'], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert '| missing |' not in out.stdout and 'cases name only existing tests' in out.stdout
