"""The style gate: flake8 and isort as setup.cfg configures them, over the repository's code."""
import subprocess
import sys

import pytest

from mmdet_semiconv.testing import REPO

CODE = ['mmdet_semiconv', 'tools', 'tests', '.dev_scripts']


@pytest.mark.parametrize('tool', [['flake8', 'configs'], ['isort', '--check-only', '--diff']])
def test_the_code_passes_the_style_gate(tool):
    proc = subprocess.run([sys.executable, '-m', *tool, *CODE], cwd=REPO, capture_output=True,
                          text=True)
    assert proc.returncode == 0, f'{tool[0]} (setup.cfg):\n{proc.stdout[-3000:]}{proc.stderr}'
