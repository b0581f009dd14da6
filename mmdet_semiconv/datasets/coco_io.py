"""Writing COCO instance annotations: RLE masks through pycocotools, files atomically, sets of
files whole or not at all."""
import glob
import json
import os
import os.path as osp
import shutil
import tempfile
from contextlib import contextmanager
from typing import Dict, Iterator, Sequence

import numpy as np
import pycocotools.mask as mask_utils


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``, with the
    mode a plain ``open`` would give (mkstemp's files are 0600 whatever the umask).

    The temporary file is named after the target and the writing process
    (``.<name>.tmp-<pid>-*``): one that a killed writer left is removed by the next write of
    the same file, a live writer's is not.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    prefix = f'.{osp.basename(path)}.tmp-'
    _remove_orphans(folder, prefix)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'{prefix}{os.getpid()}-')
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def _remove_orphans(folder: str, prefix: str) -> None:
    for tmp in glob.glob(osp.join(glob.escape(folder), glob.escape(prefix) + '*')):
        pid = osp.basename(tmp)[len(prefix):].split('-', 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            try:
                os.remove(tmp)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextmanager
def built_beside(out_dir: str, name: str, parts: Sequence[str]) -> Iterator[str]:
    """Yield a fresh folder ``<out_dir>/<name>`` to write a set of outputs into; when the block
    ends, move its ``parts`` into ``out_dir`` whole (:func:`move_in_whole`). A block that
    raises leaves ``out_dir`` untouched and the folder removed; one that a kill stopped leaves
    the folder, which the next run starts by removing.
    """
    build = osp.join(out_dir, name)
    shutil.rmtree(build, ignore_errors=True)  # what a stopped run left
    os.makedirs(build)
    try:
        yield build
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    move_in_whole(build, out_dir, parts)


def move_in_whole(build: str, out_dir: str, parts: Sequence[str]) -> None:
    """Move the finished outputs ``parts`` (paths relative to both folders) from ``build``
    into ``out_dir``, replacing the old ones, then remove ``build``.

    ``parts[0]`` is what readers open first (the annotations): the old one is removed before
    anything else changes and the new one arrives last, so a run stopped at any point leaves
    the old set whole, the new set whole, or no annotations; never the images of one run under
    the annotations of another.
    """
    first, *rest = parts
    _remove(osp.join(out_dir, first))
    for part in rest:
        _remove(osp.join(out_dir, part))
        os.makedirs(osp.dirname(osp.join(out_dir, part)), exist_ok=True)
        os.replace(osp.join(build, part), osp.join(out_dir, part))
    os.makedirs(osp.dirname(osp.join(out_dir, first)), exist_ok=True)
    os.replace(osp.join(build, first), osp.join(out_dir, first))
    shutil.rmtree(build)


def _remove(path: str) -> None:
    if osp.isdir(path):
        shutil.rmtree(path)
    elif osp.lexists(path):
        os.remove(path)


def coco_annotation(mask: np.ndarray, ann_id: int, image_id: int, category_id: int) -> dict:
    """A COCO annotation with an RLE mask (pycocotools) and its box and area."""
    rle = encode_rle(mask)
    return dict(id=ann_id, image_id=image_id, category_id=category_id, segmentation=rle,
                area=float(mask_utils.area(rle)), bbox=[float(v) for v in mask_utils.toBbox(rle)],
                iscrowd=0)


def encode_rle(mask: np.ndarray) -> dict:
    """A JSON-ready COCO RLE of a (H, W) bool mask."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    return rle


def atomic_write_json(path: str, obj) -> None:
    atomic_write_bytes(path, json.dumps(obj).encode())


def require_file_targets(out_dir: str, names: Sequence[str]) -> None:
    """Refuse (IsADirectoryError) output file names that are existing folders in ``out_dir``:
    replacing the set would delete them. Call it before a long conversion as well."""
    for name in names:
        if osp.isdir(osp.join(out_dir, name)):
            raise IsADirectoryError(f'{osp.join(out_dir, name)} is a folder: move it away or '
                                    'write the annotations elsewhere (--out-dir)')


def write_json_set(out_dir: str, files: Dict[str, dict], build_name: str) -> None:
    """Write several json files (``{name: object}``, e.g. the train and val splits of one
    conversion) into ``out_dir`` as one whole (:func:`built_beside`): a run stopped at any point
    leaves the old set, the new set, or the first file missing; never a new split beside an old
    one, which could hold the same image twice.

    Raises:
        IsADirectoryError: a target name is an existing folder (it is not replaced).
    """
    require_file_targets(out_dir, files)
    with built_beside(out_dir, build_name, list(files)) as build:
        for name, obj in files.items():
            atomic_write_json(osp.join(build, name), obj)
