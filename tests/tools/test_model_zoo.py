"""The model zoo: table generated from the metafile, sha256 check, `mim download` end to end."""
import functools
import hashlib
import http.server
import os
import os.path as osp
import shutil
import subprocess
import sys
import threading

import pytest
import yaml
from mmengine.runner.checkpoint import _load_checkpoint

from mmdet_semiconv.testing import REPO, load_script
from mmdet_semiconv.utils import CheckpointHashError

model_zoo = load_script('tools/model_zoo.py')


def test_committed_table_is_generated_from_the_metafile():
    with open(model_zoo.TABLE) as f:
        assert f.read() == model_zoo.render(), 'run: python tools/model_zoo.py table'


def test_metafile_is_what_mim_reads():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        assert yaml.safe_load(f) == {'Import': ['configs/metafile.yml']}
    with open(model_zoo.METAFILE) as f:
        meta = yaml.safe_load(f)
    for model in meta['Models']:
        assert osp.isfile(osp.join(REPO, model['Config'])), model['Config']
        # mmdet's convention: a model is named after its config file
        assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0]
        assert 'Results' in model or model['Metadata'].get('Train commands'), model['Name']
    # the package exposes them where mim looks (setup.py links or copies them)
    import mmdet_semiconv
    mim_dir = osp.join(osp.dirname(mmdet_semiconv.__file__), '.mim')
    assert osp.isfile(osp.join(mim_dir, 'model-index.yml'))
    assert osp.isfile(osp.join(mim_dir, 'configs', 'metafile.yml'))


@pytest.mark.slow
def test_mim_finds_our_model_index():
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    out = subprocess.run([mim, 'search', 'mmdet_semiconv', '--field', 'model', 'config'],
                         capture_output=True, text=True, timeout=300, cwd='/')
    assert out.returncode == 0, out.stdout + out.stderr
    for name in ('semiconv_worms_cpu', 'semiconv_voc', 'mask-rcnn_r101_fpn_celegans'):
        assert name in out.stdout


def _named_copy(src, dst_dir, stem='probe_20261124'):
    digest = hashlib.sha256(open(src, 'rb').read()).hexdigest()
    dst = osp.join(dst_dir, f'{stem}-{digest[:8]}.pth')
    shutil.copyfile(src, dst)
    return dst


def test_hash_in_the_name_is_checked_on_load(tmp_path, tiny_trained):
    good = _named_copy(tiny_trained[2], str(tmp_path))
    assert 'state_dict' in _load_checkpoint(good)
    with open(good, 'r+b') as f:  # flip a byte in the middle
        f.seek(os.path.getsize(good) // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(CheckpointHashError, match='corrupted or incomplete'):
        _load_checkpoint(good)


def _fake_distribution(root, url, config_src):
    """An installed-looking package whose metafile points at ``url`` (what mim reads)."""
    pkg = osp.join(root, 'semiconv_zoo_probe')
    os.makedirs(osp.join(pkg, '.mim', 'configs'))
    open(osp.join(pkg, '__init__.py'), 'w').close()
    dist = osp.join(root, 'semiconv_zoo_probe-0.0.1.dist-info')
    os.makedirs(dist)
    with open(osp.join(dist, 'METADATA'), 'w') as f:
        f.write('Metadata-Version: 2.1\nName: semiconv_zoo_probe\nVersion: 0.0.1\n')
    shutil.copyfile(config_src, osp.join(pkg, '.mim', 'configs', 'probe.py'))
    with open(osp.join(pkg, '.mim', 'model-index.yml'), 'w') as f:
        f.write('Import:\n  - configs/metafile.yml\n')
    meta = dict(Collections=[dict(Name='probe')], Models=[dict(
        Name='probe', **{'In Collection': 'probe'}, Config='configs/probe.py', Weights=url)])
    with open(osp.join(pkg, '.mim', 'configs', 'metafile.yml'), 'w') as f:
        yaml.safe_dump(meta, f)


@pytest.fixture
def loopback_server(tmp_path):
    served = tmp_path / 'served'
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def _mim_download(root, dest):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), REPO]))
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    return subprocess.run([mim, 'download', 'semiconv_zoo_probe', '--config', 'probe',
                           '--dest', str(dest)], env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_mim_download_then_evaluate(tmp_path, loopback_server, tiny_trained):
    served, base = loopback_server
    ckpt = _named_copy(tiny_trained[2], str(served))
    name = osp.basename(ckpt)
    _fake_distribution(str(tmp_path / 'site'), f'{base}/{name}', tiny_trained[0])
    dest = tmp_path / 'dest'
    proc = _mim_download(tmp_path / 'site', dest)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert osp.isfile(dest / name) and osp.isfile(dest / 'probe.py')
    out = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'test.py'),
                          str(dest / 'probe.py'), str(dest / name), '--work-dir',
                          str(tmp_path / 'eval')], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert 'coco/segm_mAP' in out.stdout + out.stderr

    # a corrupted download: same name, other bytes -> evaluation refuses it by name
    with open(osp.join(served, name), 'r+b') as f:
        f.seek(100)
        f.write(b'\0' * 16)
    dest2 = tmp_path / 'dest2'
    assert _mim_download(tmp_path / 'site', dest2).returncode == 0  # mim does not check
    out = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'test.py'),
                          str(dest2 / 'probe.py'), str(dest2 / name), '--work-dir',
                          str(tmp_path / 'eval2')], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode != 0
    assert 'CheckpointHashError' in out.stderr and 'corrupted or incomplete' in out.stderr
