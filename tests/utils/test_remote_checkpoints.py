"""Every scheme that unpickles a checkpoint goes through the allow-list: a loopback server."""
import functools
import hashlib
import http.server
import os
import os.path as osp
import shutil
import threading

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

from mmdet_semiconv.utils import UntrustedCheckpointError
from mmdet_semiconv.utils.checkpoint import CheckpointHashError


class _Payload:
    """Unpickling calls os.system: what a crafted checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serve ``tmp_path/www`` on 127.0.0.1; torch.hub caches into ``tmp_path/hub``."""
    www = tmp_path / 'www'
    www.mkdir()
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield www, f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()


def _mmengine_like(path):
    """What an mmengine 0.10.7 checkpoint holds beside the weights."""
    hub = HistoryBuffer()
    hub.update(0.5)
    torch.save(dict(meta=dict(epoch=1, iter=np.int64(3), message_hub=dict(
        log_scalars=dict(loss=hub, empty=HistoryBuffer()))),
        state_dict=dict(w=torch.arange(3.))), path)


def test_a_checkpoint_of_ours_loads_over_http(server):
    www, url = server
    _mmengine_like(str(www / 'ours.pth'))
    loaded = _load_checkpoint(f'{url}/ours.pth')
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))
    assert loaded['meta']['message_hub']['log_scalars']['loss'].current() == 0.5


def test_a_crafted_checkpoint_is_refused_and_its_payload_never_runs(
        server, tmp_path, monkeypatch):
    www, url = server
    marker = tmp_path / 'pwned'
    torch.save({'state_dict': {}, 'x': _Payload(marker)}, str(www / 'evil.pth'))
    with pytest.raises(UntrustedCheckpointError, match='system'):
        _load_checkpoint(f'{url}/evil.pth')
    # torchvision:// (also modelzoo://, open-mmlab://, mmcls://) resolve to a URL: same path
    import mmengine.runner.checkpoint as mmengine_checkpoint
    monkeypatch.setattr(mmengine_checkpoint, 'get_torchvision_models',
                        lambda: {'probe': f'{url}/evil.pth'})
    with pytest.raises(UntrustedCheckpointError, match='system'):
        _load_checkpoint('torchvision://probe')
    assert not marker.exists()


def test_a_download_whose_hash_prefix_does_not_match_is_refused(server):
    www, url = server
    _mmengine_like(str(www / 'src.pth'))
    wrong = 'model_20261124-' + '0' * 8 + '.pth'
    shutil.copyfile(www / 'src.pth', www / wrong)
    with pytest.raises(CheckpointHashError):
        _load_checkpoint(f'{url}/{wrong}')
    digest = hashlib.sha256((www / 'src.pth').read_bytes()).hexdigest()[:8]
    right = f'model_20261124-{digest}.pth'
    shutil.copyfile(www / 'src.pth', www / right)
    assert 'state_dict' in _load_checkpoint(f'{url}/{right}')
    cached = osp.join(torch.hub.get_dir(), 'checkpoints',
                      hashlib.sha256(f'{url}/{right}'.encode()).hexdigest()[:16], right)
    assert osp.isfile(cached)


def test_two_urls_with_one_file_name_are_two_files(server):
    www, url = server
    for folder, value in (('a', 1.), ('b', 2.)):
        (www / folder).mkdir()
        torch.save(dict(state_dict=dict(w=torch.tensor(value))), str(www / folder / 'm.pth'))
    assert float(_load_checkpoint(f'{url}/a/m.pth')['state_dict']['w']) == 1.
    assert float(_load_checkpoint(f'{url}/b/m.pth')['state_dict']['w']) == 2.


@pytest.mark.slow
def test_tools_test_and_init_cfg_take_our_trained_checkpoint_over_http(
        server, tmp_path, tiny_trained):
    import subprocess
    import sys

    from mmengine.config import Config

    from mmdet.registry import MODELS
    from mmdet_semiconv.testing import REPO
    www, url = server
    config, _, ckpt = tiny_trained
    shutil.copyfile(ckpt, www / 'tiny.pth')
    # init_cfg Pretrained (what backbones use for torchvision:// weights)
    cfg = Config.fromfile(config)
    cfg.model.init_cfg = dict(type='Pretrained', checkpoint=f'{url}/tiny.pth')
    model = MODELS.build(cfg.model)
    model.init_weights()
    expected = torch.load(ckpt, weights_only=False)['state_dict']
    assert torch.equal(model.state_dict()['backbone.conv1.weight'],
                       expected['backbone.conv1.weight'])
    # tools/test.py --checkpoint (load_from goes through the same loader)
    env = dict(os.environ, TORCH_HOME=str(tmp_path / 'torch_home'))
    out = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'test.py'), config,
                          f'{url}/tiny.pth', '--work-dir', str(tmp_path / 'test')],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'coco/segm_mAP' in out.stdout + out.stderr
