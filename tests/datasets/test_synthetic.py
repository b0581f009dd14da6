import filecmp
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from mmdet_semiconv.datasets import (DotGridConfig, WormConfig, generate_dot_grid,
                                     generate_dot_split, generate_worm_image, generate_worm_split)


def test_worm_generation_is_deterministic(tmp_path):
    cfg = WormConfig(width=96, height=72)
    a = generate_worm_split(str(tmp_path / 'a'), 'train', 4, seed=3, cfg=cfg)
    b = generate_worm_split(str(tmp_path / 'b'), 'train', 4, seed=3, cfg=cfg)
    c = generate_worm_split(str(tmp_path / 'c'), 'train', 4, seed=4, cfg=cfg)
    assert filecmp.cmp(a, b, shallow=False)
    assert not filecmp.cmp(a, c, shallow=False)
    assert filecmp.cmp(tmp_path / 'a/train/00001.png', tmp_path / 'b/train/00001.png',
                       shallow=False)


def test_coco_json_loads_in_pycocotools_and_masks_round_trip(tmp_path):
    ann = generate_worm_split(str(tmp_path), 'val', 3, seed=1)
    coco = COCO(ann)
    assert coco.getCatIds() == [1] and len(coco.getImgIds()) == 3
    rng = np.random.default_rng(1)
    cfg = WormConfig()
    for img_id in coco.getImgIds():
        expected = generate_worm_image(rng, cfg)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
        assert len(anns) == len(expected)
        for a, m in zip(anns, expected):
            assert np.array_equal(coco.annToMask(a).astype(bool), m)
            assert a['area'] == m.sum()
        # the image is the union of the silhouettes
        img = cv2.imread(osp.join(str(tmp_path), coco.loadImgs(img_id)[0]['file_name']))
        assert np.array_equal(img[..., 0] > 0, np.any(expected, axis=0))


def test_worm_masks_overlap_where_worms_cross():
    rng = np.random.default_rng(0)
    overlaps = 0
    for _ in range(20):
        masks = np.stack(generate_worm_image(rng, WormConfig()))
        overlaps += int(((masks.sum(0) > 1)).sum())
    assert overlaps > 0  # crowded by design: hidden parts stay in each worm's mask


def test_worms_taper_at_both_ends():
    import cv2
    rng = np.random.default_rng(5)
    cfg = WormConfig(worms_min=1, worms_max=1, curvature=0.0, bend_min=0., bend_max=0.,
                     width_min=8, width_max=8)
    mask = generate_worm_image(rng, cfg)[0]
    thickness = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    ys, xs = np.nonzero(mask)
    pts = np.stack([xs, ys], 1).astype(float)
    axis = np.linalg.svd(pts - pts.mean(0), full_matrices=False)[2][0]
    t = (pts - pts.mean(0)) @ axis  # position along the (straight) worm
    lo, hi = np.quantile(t, [0.05, 0.95])
    ends = thickness[ys[(t < lo) | (t > hi)], xs[(t < lo) | (t > hi)]].max()
    middle = thickness[ys[np.abs(t) < 0.1 * (hi - lo)], xs[np.abs(t) < 0.1 * (hi - lo)]].max()
    assert ends < 0.6 * middle


def test_dot_grid_is_one_identical_dot_per_instance(tmp_path):
    cfg = DotGridConfig(rows=3, cols=4)
    masks = generate_dot_grid(cfg)
    assert len(masks) == 12
    assert len({int(m.sum()) for m in masks}) == 1
    assert not np.any(np.stack(masks).sum(0) > 1)
    coco = COCO(generate_dot_split(str(tmp_path), 'train', 1, cfg))
    assert len(coco.getAnnIds()) == 12


def test_ensure_refuses_a_split_made_with_other_settings(tmp_path):
    from mmdet_semiconv.datasets import SyntheticWormSplits
    small = WormConfig(width=96, height=72, worms_min=1, worms_max=2)
    splits = SyntheticWormSplits(root=str(tmp_path), num_train=2, num_val=1, config=small)
    splits.ensure()
    splits.ensure()  # the same settings: nothing to do
    with pytest.raises(ValueError, match=r'train\.json was generated with other settings '
                                         r'\(width: 96, not 120'):
        SyntheticWormSplits(root=str(tmp_path), num_train=2, num_val=1,
                            config=WormConfig(width=120, height=72, worms_min=1,
                                              worms_max=2)).ensure()


def test_a_regeneration_stopped_midway_leaves_the_old_split_whole(tmp_path, monkeypatch):
    import mmdet_semiconv.datasets.synthetic as synthetic
    cfg = WormConfig(width=96, height=72, worms_min=1, worms_max=2)
    ann = generate_worm_split(str(tmp_path), 'train', 3, seed=0, cfg=cfg)
    before = open(ann).read()
    calls = []

    def dying(*args):  # the process is killed after two images of the new run
        calls.append(args)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return real(*args)

    real = synthetic.atomic_write_bytes
    monkeypatch.setattr(synthetic, 'atomic_write_bytes', dying)
    with pytest.raises(KeyboardInterrupt):
        generate_worm_split(str(tmp_path), 'train', 3, seed=5,
                            cfg=WormConfig(width=120, height=90, worms_min=1, worms_max=2))
    assert open(ann).read() == before
    for img in json.loads(before)['images']:  # every image is still the old run's
        assert cv2.imread(str(tmp_path / img['file_name'])).shape[:2] == (72, 96)


@pytest.mark.parametrize('kwargs', [dict(worms_min=9, worms_max=2), dict(width=0),
                                    dict(length_min=90.), dict(length_max=float('inf')),
                                    dict(curvature=-0.1)])
def test_worm_config_refuses_impossible_settings(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        WormConfig(**kwargs)


@pytest.mark.parametrize('kwargs', [dict(radius=-3.), dict(rows=0), dict(margin=float('nan'))])
def test_dot_grid_config_refuses_impossible_settings(kwargs):
    # a negative radius used to draw the same dots as a positive one
    with pytest.raises(ValueError, match=f'DotGridConfig: {next(iter(kwargs))} must be a finite'):
        DotGridConfig(**kwargs)


def test_settings_that_draw_no_instance_write_nothing(tmp_path):
    with pytest.raises(ValueError, match=r'give no dot in 2 train images .* nothing was written'):
        generate_dot_split(str(tmp_path), 'train', 2, DotGridConfig(radius=0.1))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('argv, message', [
    (['worms', '--num-train', '-3'], '--num-train must be > 0, got -3'),
    (['worms', '--worms-min', '9', '--worms-max', '2'], 'worms_min=9 is above worms_max=2'),
    (['dots', '--num', '0'], '--num must be > 0')])
def test_the_generator_refuses_settings_that_give_no_data(tmp_path, argv, message):
    import subprocess
    import sys

    from mmdet_semiconv.testing import REPO
    out = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'dataset_converters',
                                                   'generate_synthetic.py'), *argv, '--out',
                          str(tmp_path / 'data')], capture_output=True, text=True)
    assert out.returncode == 2 and message in out.stderr
    assert not (tmp_path / 'data').exists()


def _generator(argv):
    import subprocess
    import sys

    from mmdet_semiconv.testing import REPO
    tool = osp.join(REPO, 'tools', 'dataset_converters', 'generate_synthetic.py')
    return subprocess.run([sys.executable, tool, *argv],
                          capture_output=True, text=True)


@pytest.mark.parametrize('own', ['annotations/val.json', 'train/photo.jpg', 'train'])
def test_the_generator_never_replaces_a_users_files(tmp_path, own):
    """A folder of the user's own train/, val/ and annotations/ is refused, untouched."""
    out = tmp_path / 'mine'
    (out / 'annotations').mkdir(parents=True)
    (out / 'val').mkdir()
    (out / 'annotations' / 'val.json').write_text(json.dumps({'info': {'description': 'mine'}}))
    path = out / own
    if own == 'train':
        path.write_text('a file')
    else:
        path.parent.mkdir(exist_ok=True)
        path.write_text(path.read_text() if path.exists() else 'my photo')
    before = {p: p.read_bytes() for p in out.rglob('*') if p.is_file()}
    res = _generator(['worms', '--num-train', '1', '--num-val', '1', '--out', str(out)])
    assert res.returncode == 2 and 'give an empty or new --out' in res.stderr, res.stderr
    assert {p: p.read_bytes() for p in out.rglob('*') if p.is_file()} == before


def test_the_generator_replaces_its_own_output(tmp_path):
    out = str(tmp_path / 'data')
    for seed in ('0', '5'):
        res = _generator(['nuclei', '--num-train', '1', '--num-val', '1', '--train-seed', seed,
                          '--out', out])
        assert res.returncode == 0, res.stderr
    with open(osp.join(out, 'annotations', 'train.json')) as f:
        assert json.load(f)['info']['seed'] == 5
    assert _generator(['dots', '--out', osp.join(out, 'train', '00001.png')]).returncode == 2


def test_a_killed_writer_leaves_no_temporary_file_behind_the_next_write(tmp_path):
    from mmdet_semiconv.datasets.coco_io import atomic_write_bytes
    target = tmp_path / 'train.json'
    # what a writer killed mid-write left (a pid that cannot be running)
    orphan = tmp_path / '.train.json.tmp-999999999-abcd'
    orphan.write_text('half')
    live = tmp_path / f'.train.json.tmp-{os.getpid()}-efgh'  # a live writer's: kept
    live.write_text('in progress')
    atomic_write_bytes(str(target), b'{}')
    assert target.read_bytes() == b'{}'
    assert not orphan.exists() and live.exists()


def test_nuclei_touch_without_overlapping_and_are_reproducible(tmp_path):
    from mmdet_semiconv.datasets import NucleiConfig, generate_nuclei_image, generate_split
    cfg = NucleiConfig()
    touching = 0
    for seed in range(3):
        masks = generate_nuclei_image(np.random.default_rng(seed), cfg)
        assert len(masks) >= cfg.nuclei_min // 2
        stack = np.stack(masks)
        assert stack.sum(0).max() == 1  # a label image: no pixel in two nuclei
        areas = stack.sum((1, 2))
        # near-identical: every nucleus within a factor 2.5 of the median area (border
        # nuclei are cut)
        assert np.median(areas) > 0.5 * np.pi * cfg.radius**2
        label = (stack * np.arange(1, len(masks) + 1)[:, None, None]).sum(0)
        right = (label[:, 1:] != label[:, :-1]) & (label[:, 1:] > 0) & (label[:, :-1] > 0)
        down = (label[1:] != label[:-1]) & (label[1:] > 0) & (label[:-1] > 0)
        touching += int(right.any() or down.any())
    assert touching >= 2  # the set is crowded: copies touch in most images
    a = generate_split(str(tmp_path / 'a'), 'val', 2, seed=5, cfg=cfg)
    b = generate_split(str(tmp_path / 'b'), 'val', 2, seed=5, cfg=cfg)
    assert filecmp.cmp(a, b, shallow=False)
    coco = COCO(a)
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == ['nucleus']


def test_nuclei_settings_are_checked_by_name():
    from mmdet_semiconv.datasets import NucleiConfig
    with pytest.raises(ValueError, match='nuclei_min'):
        NucleiConfig(nuclei_min=10, nuclei_max=5)
    with pytest.raises(ValueError, match='radius'):
        NucleiConfig(radius=-1)
    with pytest.raises(ValueError, match='min_gap'):
        NucleiConfig(min_gap=float('nan'))
