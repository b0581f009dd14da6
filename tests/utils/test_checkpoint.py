"""load_from, resume and --checkpoint with torch.load(weights_only=True) and an exact allow-list."""
import fractions
import os
import os.path as osp
import pickle
import subprocess
import time
import timeit

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint
from mmengine.structures import InstanceData

from mmdet_semiconv.utils import CheckpointHashError, UntrustedCheckpointError
from mmdet_semiconv.utils.checkpoint import TRUST_ENV


def _runner(config, work_dir, name, **overrides):
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name  # several runners in one process must not share a logger
    cfg.merge_from_dict(overrides)
    return Runner.from_cfg(cfg)


@pytest.fixture
def trained(tiny_trained):
    return tiny_trained


@pytest.mark.slow
def test_plain_torch_load_refuses_mmengine_checkpoints(trained):
    """The problem this solves: torch >= 2.6 cannot load mmengine's own checkpoints."""
    with pytest.raises(pickle.UnpicklingError):
        torch.load(trained[2])


@pytest.mark.slow
def test_resume_continues_at_the_right_iteration(trained):
    config, tmp, ckpt = trained
    runner = _runner(config, tmp / 'run2', 'run2', resume=True, load_from=ckpt,
                     **{'train_cfg.max_iters': 4})
    runner.train()
    assert runner.iter == 4
    # this run only wrote the iterations after the checkpoint it resumed from
    assert not osp.exists(tmp / 'run2' / 'iter_2.pth')
    assert osp.exists(tmp / 'run2' / 'iter_3.pth') and osp.exists(tmp / 'run2' / 'iter_4.pth')
    resumed = _load_checkpoint(str(tmp / 'run2' / 'iter_4.pth'))
    assert resumed['meta']['iter'] == 4


@pytest.mark.slow
def test_load_from_loads_the_weights(trained):
    config, tmp, ckpt = trained
    runner = _runner(config, tmp / 'run3', 'run3', load_from=ckpt)
    runner.load_or_resume()
    state = _load_checkpoint(ckpt)['state_dict']
    sigma_key = 'roi_head.mask_head.kernel.log_sigma'
    assert torch.equal(runner.model.state_dict()[sigma_key], state[sigma_key])
    key = 'backbone.conv1.weight'
    assert torch.equal(runner.model.state_dict()[key], state[key])
    assert runner.iter == 0  # load_from is not resume


def test_a_class_of_the_stack_is_refused_by_name_with_how_to_trust_it(tmp_path, monkeypatch):
    path = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': {'w': torch.ones(1)},
                'meta': {'x': InstanceData(metainfo=dict(a=1))}}, path)
    name = 'mmengine.structures.instance_data.InstanceData'
    with pytest.raises(UntrustedCheckpointError, match=name) as err:
        _load_checkpoint(path)
    assert f'export {TRUST_ENV}={name}' in str(err.value)
    # trusting it explicitly loads it
    monkeypatch.setenv(TRUST_ENV, name)
    assert _load_checkpoint(path)['meta']['x'].a == 1


def test_a_global_outside_the_stack_is_refused_without_advice_to_trust_it(tmp_path):
    path = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'x': fractions.Fraction(1, 3)}},
               path)
    with pytest.raises(UntrustedCheckpointError, match=r'fractions\.Fraction is not a class '
                       'of torch, numpy, mmengine') as err:
        _load_checkpoint(path)
    assert TRUST_ENV not in str(err.value)


class _GetattrEscape:
    """Pickles as ``getattr(HistoryBuffer, '__init__')``: a step towards arbitrary code."""

    def __reduce__(self):
        from mmengine.logging.history_buffer import HistoryBuffer
        return getattr, (HistoryBuffer, '__init__')


def test_getattr_is_served_only_for_history_buffer_statistics(tmp_path):
    path = str(tmp_path / 'escape.pth')
    torch.save({'meta': {'x': _GetattrEscape()}}, path)
    with pytest.raises(UntrustedCheckpointError, match='getattr'):
        _load_checkpoint(path)


@pytest.mark.parametrize('content', [
    {'message_hub': {'log_scalars': {'empty': HistoryBuffer()}}},  # pickles builtins.bytes
    {'scalars': [t(1) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                np.float64, np.longdouble, np.complex64, np.complex128)]},
], ids=['empty-history-buffer', 'numpy-scalars'])
def test_what_mmengine_can_write_loads(tmp_path, content):
    path = str(tmp_path / 'ckpt.pth')
    torch.save(content, path)
    loaded = _load_checkpoint(path)
    assert loaded.keys() == content.keys()


@pytest.mark.slow
def test_a_checkpoint_saved_after_validation_loads(tiny_config, tmp_path):
    """The message hub then also holds the validation metrics and their buffers."""
    runner = _runner(tiny_config, tmp_path / 'valrun', 'valrun',
                     **{'train_cfg.max_iters': 2, 'train_cfg.val_interval': 1,
                        'model.test_cfg.rcnn.score_thr': 0.})
    runner.train()
    ckpt = _load_checkpoint(str(tmp_path / 'valrun' / 'iter_2.pth'))  # saved after a val
    scalars = ckpt['message_hub']['log_scalars']
    assert any(k.startswith('val/') for k in scalars), sorted(scalars)


def test_a_date_in_the_name_is_not_a_hash(tmp_path):
    for name in ('worms-20261201.pth', 'model_20261124-20261201.pth'):
        path = str(tmp_path / name)
        torch.save(dict(state_dict=dict(w=torch.ones(1))), path)
        assert 'state_dict' in _load_checkpoint(path)
    # a hash-like prefix (not a date) that the content does not match is still refused
    bad = str(tmp_path / 'model_20261124-00000000.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(1))), bad)
    with pytest.raises(CheckpointHashError, match='00000000'):
        _load_checkpoint(bad)


@pytest.mark.parametrize('content', [b'', b'PK\x03\x04 truncated', b'not a checkpoint\n'])
def test_an_unreadable_file_is_named_with_the_fix(tmp_path, content):
    path = tmp_path / 'broken.pth'
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=r'broken\.pth .* not a readable torch checkpoint'):
        _load_checkpoint(str(path))


def test_a_malformed_trust_variable_is_named(tmp_path, monkeypatch):
    path = str(tmp_path / 'ok.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(1))), path)
    monkeypatch.setenv(TRUST_ENV, 'no_such_module.Thing')
    with pytest.raises(ValueError, match=TRUST_ENV + ".*cannot import 'no_such_module.Thing'"):
        _load_checkpoint(path)


class _SystemCall:
    """Pickles as ``os.system(...)``: what a crafted checkpoint runs on a plain torch.load."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.marker}', )


@pytest.mark.parametrize('zipfile', [True, False], ids=['zip', 'legacy'])
def test_a_payload_is_refused_without_advice_to_trust_it(tmp_path, zipfile):
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'crafted.pth')
    torch.save({'state_dict': {}, 'meta': _SystemCall(marker)}, path,
               _use_new_zipfile_serialization=zipfile)
    with pytest.raises(UntrustedCheckpointError) as err:
        _load_checkpoint(path)
    message = str(err.value)
    assert 'system' in message and 'Do not load this file' in message
    assert TRUST_ENV not in message  # never "export ...=posix.system"
    assert 'Weights only load failed' not in message  # torch's paragraph is not pasted in
    assert not marker.exists()


def test_a_payload_is_refused_even_when_the_environment_turns_torchs_safety_off(
        tmp_path, monkeypatch):
    """TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 (set to load old pickles) makes torch.load without
    an explicit weights_only unpickle anything, as mmengine's own local scheme calls it; this
    is why the local scheme is replaced rather than only torch's allow-list extended."""
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'crafted.pth')
    torch.save({'state_dict': {}, 'meta': _SystemCall(marker)}, path)
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(path)
    assert not marker.exists()


class _Timeit:
    """Pickles as ``timeit.timeit(stmt, ...)``, which executes its statement."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return timeit.timeit, (f'open({str(self.marker)!r}, "w").close()', 'pass',
                               time.perf_counter, 1)


class _Call:
    """Pickles as ``subprocess.call([...])``; protocol 2 spells it ``commands.call``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return subprocess.call, (['touch', str(self.marker)], )


class _Memmap:
    """Pickles as ``numpy.memmap(path, mode='w+')``: a class of numpy that creates a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return np.memmap, (str(self.marker), 'uint8', 'w+', 0, (1, ))


def _shows_no_torch_error(exc):
    return exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


def _save(obj, path, how):
    if how == 'raw-protocol-5':  # a bare pickle, not torch.save's format
        with open(path, 'wb') as f:
            pickle.dump({'meta': obj}, f, protocol=5)
    else:
        torch.save({'meta': obj}, path, pickle_protocol=2,
                   _use_new_zipfile_serialization=how == 'zip-protocol-2')


@pytest.mark.parametrize('payload,how,named', [
    (_Timeit, 'zip-protocol-2', 'timeit.timeit'),
    (_Call, 'zip-protocol-2', r'commands\.call \(that is subprocess\.call\)'),
    (_Call, 'legacy-protocol-2', r'commands\.call \(that is subprocess\.call\)'),
    (_SystemCall, 'raw-protocol-5', r'posix\.system|nt\.system'),
    (_Timeit, 'raw-protocol-5', 'timeit.timeit'),
    (_Memmap, 'zip-protocol-2', r'numpy\.(_core\.|core\.)?memmap'),
    (_Memmap, 'raw-protocol-5', r'numpy\.(_core\.|core\.)?memmap'),
])
def test_code_running_payloads_are_refused_in_any_spelling(tmp_path, payload, how, named):
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'crafted.pth')
    _save(payload(marker), path, how)
    with pytest.raises(UntrustedCheckpointError, match=named) as err:
        _load_checkpoint(path)
    message = str(err.value)
    assert 'Do not load this file' in message and TRUST_ENV not in message
    assert _shows_no_torch_error(err.value)  # torch's advice to switch weights_only off
    assert not marker.exists()


def test_an_unreadable_pickle_is_not_answered_with_torchs_advice(tmp_path):
    path = tmp_path / 'plain.pkl'
    path.write_bytes(pickle.dumps({'w': [1, 2]}, protocol=5))
    with pytest.raises(RuntimeError, match='not a readable torch checkpoint') as err:
        _load_checkpoint(str(path))
    assert 'weights_only' not in str(err.value) and _shows_no_torch_error(err.value)


@pytest.mark.parametrize('content', ['', 'work_dirs/gone/iter_5.pth'])
def test_auto_resume_from_a_broken_last_checkpoint_names_it(tiny_config, tmp_path, content):
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.resume = True
    os.makedirs(cfg.work_dir)
    (tmp_path / 'work' / 'last_checkpoint').write_text(content)
    with pytest.raises(FileNotFoundError, match=r'work/last_checkpoint names .*delete .*'
                                                r'last_checkpoint to train from the start'):
        Runner.from_cfg(cfg).train()
