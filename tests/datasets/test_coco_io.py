"""coco_io: json sets written whole, targets that are folders refused."""
import json
import os

import pytest

import mmdet_semiconv.datasets.coco_io as coco_io
from mmdet_semiconv.datasets.coco_io import write_json_set


def _read(folder):
    return {n: json.loads((folder / n).read_text()) for n in sorted(os.listdir(folder))
            if n.endswith('.json')}


def test_a_set_replaces_the_old_one_whole(tmp_path):
    write_json_set(str(tmp_path), {'train.json': {'v': 1}, 'val.json': {'v': 1}}, '.b')
    write_json_set(str(tmp_path), {'train.json': {'v': 2}, 'val.json': {'v': 2}}, '.b')
    assert _read(tmp_path) == {'train.json': {'v': 2}, 'val.json': {'v': 2}}
    assert sorted(os.listdir(tmp_path)) == ['train.json', 'val.json']  # no build folder left


@pytest.mark.parametrize('dies_at', [1, 2])
def test_a_set_stopped_while_moving_in_never_mixes_old_and_new(tmp_path, monkeypatch, dies_at):
    old = {'train.json': {'v': 1}, 'val.json': {'v': 1}}
    write_json_set(str(tmp_path), old, '.b')
    real, calls = os.replace, []

    def dying(src, dst):
        if os.path.dirname(str(dst)) == str(tmp_path):  # moving a finished part in
            calls.append(dst)
            if len(calls) == dies_at:
                raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(coco_io.os, 'replace', dying)
    with pytest.raises(KeyboardInterrupt):
        write_json_set(str(tmp_path), {'train.json': {'v': 2}, 'val.json': {'v': 2}}, '.b')
    assert len(calls) == dies_at
    left = _read(tmp_path)
    # one run's files only, or none; the first part (train.json) comes last, so never alone
    assert len({obj['v'] for obj in left.values()}) <= 1
    assert 'train.json' not in left


def test_a_target_that_is_a_folder_is_refused_and_kept(tmp_path):
    (tmp_path / 'train.json').mkdir()
    (tmp_path / 'train.json' / 'mine.txt').write_text('keep')
    with pytest.raises(IsADirectoryError, match=r'train\.json is a folder'):
        write_json_set(str(tmp_path), {'train.json': {}}, '.b')
    assert (tmp_path / 'train.json' / 'mine.txt').read_text() == 'keep'
