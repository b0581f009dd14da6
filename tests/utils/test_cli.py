"""Argument types of the tools: refusals by argparse that name the flag, and --out files
written whole."""
import argparse
import os
import subprocess
import sys

import pytest

from mmdet_semiconv.utils.cli import (finite_float, index, output_file, positive_float,
                                      positive_int, probability, write_json_out)


@pytest.mark.parametrize('parse, text, message', [
    (finite_float, 'nan', 'finite'), (finite_float, 'inf', 'finite'),
    (finite_float, 'x', 'not a number'), (positive_float, '0', '> 0'),
    (positive_float, '-4', '> 0'), (positive_float, 'inf', 'finite'),
    (positive_int, '0', '>= 1'), (positive_int, '1.5', 'not an integer'),
    (index, '-1', '>= 0'), (probability, '1.5', r'in \[0, 1\]'),
    (probability, '-0.1', r'in \[0, 1\]'), (probability, 'nan', 'finite')])
def test_bad_numbers_are_refused(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


def test_good_numbers_pass():
    assert finite_float('-2.5') == -2.5 and positive_float('4') == 4.
    assert positive_int('3') == 3 and index('0') == 0
    assert probability('0') == 0. and probability('1') == 1.


def test_an_output_file_is_not_a_folder_and_can_be_written(tmp_path):
    with pytest.raises(argparse.ArgumentTypeError, match='is a folder'):
        output_file(str(tmp_path))
    assert output_file(str(tmp_path / 'new' / 'out.json')).endswith('out.json')
    (tmp_path / 'file').write_text('')
    with pytest.raises(argparse.ArgumentTypeError, match='cannot be created'):
        output_file(str(tmp_path / 'file' / 'out.json'))


def test_a_write_stopped_midway_leaves_the_old_result_whole(tmp_path, monkeypatch):
    out = tmp_path / 'diag.json'
    write_json_out(str(out), '{"old": 1}')
    # stopped between opening the temporary file and writing it
    monkeypatch.setattr(os, 'fdopen', lambda fd, mode: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        write_json_out(str(out), '{"new": 2}')
    assert out.read_text() == '{"old": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ['diag.json']


@pytest.mark.parametrize('argv, message', [
    (['--sigmas', '0'], '--sigmas: must be > 0'),
    (['--offsets', 'inf'], '--offsets: must be finite'),
    (['--stride', '0'], '--stride: must be >= 1')])
def test_ceiling_refuses_bad_flags_before_building_anything(argv, message, tmp_path):
    from mmdet_semiconv.testing import REPO
    res = subprocess.run([sys.executable, os.path.join(REPO, 'tools', 'analysis_tools',
                                                       'gt_boxes.py'), 'ceiling', 'no_config.py',
                          'no_ckpt.pth', *argv], capture_output=True, text=True)
    assert res.returncode == 2 and message in res.stderr, res.stderr


def test_dataclass_flags_round_trip_and_skip():
    import dataclasses
    from typing import Optional

    from mmdet_semiconv.utils.cli import add_dataclass_args, dataclass_from_args

    @dataclasses.dataclass
    class Inner:
        size_px: int = 4

    @dataclasses.dataclass
    class Outer:
        rate: float = 0.5
        name: Optional[str] = None
        inner: Inner = dataclasses.field(default_factory=Inner)

    parser = argparse.ArgumentParser()
    add_dataclass_args(parser, Outer, skip={'inner'})
    add_dataclass_args(parser, Inner)
    args = parser.parse_args(['--rate', '2', '--size-px', '7', '--name', 'x'])
    built = dataclass_from_args(Outer, args, inner=dataclass_from_args(Inner, args))
    assert built == Outer(rate=2.0, name='x', inner=Inner(size_px=7))
    assert dataclass_from_args(Outer, parser.parse_args([]), inner=Inner()) == Outer()
