"""Procedurally generated instance-segmentation data, written as COCO (the embedded default).

Three families, each from a seed and so reproducible bit for bit:

* **Worms** (:class:`WormConfig`): binary silhouettes of overlapping, articulated worm-like
  bodies, the input of the paper's C. elegans protocol (section 4.2, "we operate on the binary
  segmentation of the microscopy images"). Each worm is a smooth random curve (its heading is a
  sinusoidal body bend, as a crawling nematode's, plus a smoothed random walk) drawn as a tube
  that tapers at both ends. Worms start
  around a few cluster centres so that they cross, touch and pile up; each ground-truth mask is
  the whole worm, including the parts hidden under others, so masks overlap as in BBBC010.
* **Crowded nuclei** (:class:`NucleiConfig`): many near-identical convex blobs (ellipses
  jittered a little in size, elongation, angle and position) packed into clusters so that many
  touch; where two would overlap the pixel goes to the nearer centre, so masks tile the
  silhouette without overlapping, as in a nucleus label image. In the binary silhouette two
  touching copies differ from one object only by their outline: the case of section 3.1, where
  a translation-invariant embedding cannot tell the copies apart.
* **Dot grids** (:class:`DotGridConfig`): identical dots on a regular grid, one instance each
  (section 4.1, Fig. 3).

The image is the union of all instances, 0/255 in three channels (PNG), so mmdet's default
``LoadImageFromFile`` reads it. Annotations are COCO json with RLE masks (pycocotools), written
atomically.
"""
import json
import math
import os
import os.path as osp
import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import cv2
import numpy as np
from tqdm import tqdm

from .coco_io import atomic_write_bytes, atomic_write_json, built_beside, coco_annotation

WORM_CLASSES = ('worm', )
NUCLEUS_CLASSES = ('nucleus', )
DOT_CLASSES = ('dot', )


@dataclass
class WormConfig:
    """Parameters of the synthetic worm generator (defaults: the CPU main job).

    BBBC010 images are 696 x 520 with worms of ~150-300 px; the defaults are that geometry
    scaled by 1/3 so that a CPU trains on them in minutes. Pass ``width=696, height=520`` and
    lengths/widths x3 for BBBC010's scale.
    """
    width: int = 232
    height: int = 174
    worms_min: int = 4  # worms per image, uniform in [worms_min, worms_max]
    worms_max: int = 9
    length_min: float = 45.  # centre-line length in px
    length_max: float = 85.
    width_min: float = 4.  # body width at its thickest, px
    width_max: float = 7.
    bend_min: float = 0.3  # amplitude of the sinusoidal body bend, rad, uniform in
    bend_max: float = 0.9  # [bend_min, bend_max]...
    bend_wavelength: float = 0.9  # ...with this wavelength, in body lengths
    curvature: float = 0.02  # std of an extra turning-rate random walk, rad/px
    clusters: int = 2  # worms start around this many centres...
    cluster_spread: float = 15.  # ...with this std in px: lower = more crowded

    def __post_init__(self):
        for low, high in (('worms_min', 'worms_max'), ('length_min', 'length_max'),
                          ('width_min', 'width_max'), ('bend_min', 'bend_max')):
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f'WormConfig: {low}={getattr(self, low)} is above '
                                 f'{high}={getattr(self, high)}; give {low} <= {high}')
        _check_numbers(self, positive=('width', 'height', 'worms_min', 'worms_max', 'length_min',
                                       'length_max', 'width_min', 'width_max', 'clusters'),
                       non_negative=('bend_wavelength', 'curvature', 'cluster_spread'))


@dataclass
class NucleiConfig:
    """Parameters of the crowded-nuclei generator (defaults: the CPU benchmark's crowded set).

    Each nucleus is an ellipse with mean semi-axis ``radius`` (jittered by ``radius_jitter``),
    axis ratio up to ``1 + elongation`` and a random angle. Centres are drawn around
    ``clusters`` centres (std ``cluster_spread``) and kept when at least ``min_gap`` x the sum
    of the two radii from every other centre: below 1 neighbours touch and slightly overlap
    (the overlap goes to the nearer centre, in units of each radius).
    """
    width: int = 128
    height: int = 128
    nuclei_min: int = 30  # attempts per image, uniform in [nuclei_min, nuclei_max]
    nuclei_max: int = 50
    radius: float = 7.  # mean semi-axis, px
    radius_jitter: float = 0.1  # relative std of the radius
    elongation: float = 0.3  # axis ratio uniform in [1, 1 + elongation]
    clusters: int = 3
    cluster_spread: float = 16.
    min_gap: float = 0.75

    def __post_init__(self):
        if self.nuclei_min > self.nuclei_max:
            raise ValueError(f'NucleiConfig: nuclei_min={self.nuclei_min} is above '
                             f'nuclei_max={self.nuclei_max}; give nuclei_min <= nuclei_max')
        _check_numbers(self, positive=('width', 'height', 'nuclei_min', 'nuclei_max', 'radius',
                                       'clusters', 'min_gap'),
                       non_negative=('radius_jitter', 'elongation', 'cluster_spread'))


@dataclass
class DotGridConfig:
    """Parameters of the dot-grid generator (section 4.1)."""
    width: int = 128
    height: int = 128
    rows: int = 4
    cols: int = 4
    radius: float = 6.
    margin: float = 16.  # distance from the border to the first dot centre

    def __post_init__(self):
        _check_numbers(self, positive=('width', 'height', 'rows', 'cols', 'radius'),
                       non_negative=('margin', ))


def _check_numbers(cfg, positive: Tuple[str, ...], non_negative: Tuple[str, ...]) -> None:
    """Refuse a generator setting that is not a finite number > 0 (``positive``) or >= 0."""
    for names, low, word in ((positive, 0, '>'), (non_negative, 0, '>=')):
        for name in names:
            value = getattr(cfg, name)
            ok = value > low if word == '>' else value >= low
            if not (math.isfinite(value) and ok):
                raise ValueError(f'{type(cfg).__name__}: {name} must be a finite number '
                                 f'{word} {low}, got {value}')


def _worm_mask(rng: np.random.Generator, cfg: WormConfig, h: int, w: int,
               start: np.ndarray) -> np.ndarray:
    length = rng.uniform(cfg.length_min, cfg.length_max)
    max_w = rng.uniform(cfg.width_min, cfg.width_max)
    n = max(int(length), 2)
    # heading with a turning rate that is itself a smoothed random walk: smooth, articulated
    turn = np.convolve(rng.normal(0, cfg.curvature, n + 8), np.ones(9) / 9, mode='valid')[:n]
    bend = rng.uniform(cfg.bend_min, cfg.bend_max) * np.sin(
        2 * np.pi * np.arange(n) / (cfg.bend_wavelength * n) + rng.uniform(0, 2 * np.pi))
    heading = rng.uniform(0, 2 * np.pi) + bend + np.cumsum(turn)
    pts = start + np.cumsum(np.stack([np.cos(heading), np.sin(heading)], 1), 0)
    t = np.linspace(0, 1, n)
    radius = 0.5 * max_w * np.clip(np.sin(np.pi * t), 0, 1)**0.6 + 0.5  # tapers at both ends
    mask = np.zeros((h, w), np.uint8)
    for (x, y), r in zip(pts, radius):
        cv2.circle(mask, (int(round(x * 4)), int(round(y * 4))), int(round(r * 4)), 1, -1,
                   lineType=cv2.LINE_8, shift=2)
    return mask.astype(bool)


def generate_worm_image(rng: np.random.Generator, cfg: WormConfig) -> List[np.ndarray]:
    """Masks (each (H, W) bool) of one worm image; instances may overlap."""
    h, w = cfg.height, cfg.width
    centres = rng.uniform([0.2 * w, 0.2 * h], [0.8 * w, 0.8 * h], size=(cfg.clusters, 2))
    masks = []
    for _ in range(rng.integers(cfg.worms_min, cfg.worms_max + 1)):
        start = centres[rng.integers(cfg.clusters)] + rng.normal(0, cfg.cluster_spread, 2)
        mask = _worm_mask(rng, cfg, h, w, start)
        if mask.sum() >= 20:  # a worm that left the image is not an instance
            masks.append(mask)
    return masks


def generate_nuclei_image(rng: np.random.Generator, cfg: NucleiConfig) -> List[np.ndarray]:
    """Masks (each (H, W) bool) of one crowded-nuclei image; instances touch, never overlap."""
    h, w = cfg.height, cfg.width
    clusters = rng.uniform([0.2 * w, 0.2 * h], [0.8 * w, 0.8 * h], size=(cfg.clusters, 2))
    centres, radii = [], []
    for _ in range(rng.integers(cfg.nuclei_min, cfg.nuclei_max + 1)):
        c = clusters[rng.integers(cfg.clusters)] + rng.normal(0, cfg.cluster_spread, 2)
        r = cfg.radius * max(1 + rng.normal(0, cfg.radius_jitter), 0.5)
        if all(np.hypot(*(c - c2)) >= cfg.min_gap * (r + r2) for c2, r2 in zip(centres, radii)):
            centres.append(c)
            radii.append(r)
    yy, xx = np.mgrid[:h, :w] + 0.5
    # normalised elliptic distance of every pixel to every nucleus: < 1 inside
    dist = np.full((len(centres), h, w), np.inf)
    for k, ((cx, cy), r) in enumerate(zip(centres, radii)):
        ratio = rng.uniform(1, 1 + cfg.elongation)
        a, b = r * np.sqrt(ratio), r / np.sqrt(ratio)
        t = rng.uniform(0, np.pi)
        dx, dy = xx - cx, yy - cy
        u, v = dx * np.cos(t) + dy * np.sin(t), -dx * np.sin(t) + dy * np.cos(t)
        dist[k] = np.sqrt((u / a)**2 + (v / b)**2)
    if not centres:
        return []
    owner = dist.argmin(0)
    inside = dist.min(0) < 1
    masks = [inside & (owner == k) for k in range(len(centres))]
    return [m for m in masks if m.sum() >= 10]  # a nucleus cut off by the border is dropped


def generate_dot_grid(cfg: DotGridConfig) -> List[np.ndarray]:
    """Masks of identical dots on a regular grid, one per dot."""
    ys = np.linspace(cfg.margin, cfg.height - cfg.margin, cfg.rows)
    xs = np.linspace(cfg.margin, cfg.width - cfg.margin, cfg.cols)
    yy, xx = np.mgrid[:cfg.height, :cfg.width] + 0.5
    return [((xx - x)**2 + (yy - y)**2 <= cfg.radius**2) for y in ys for x in xs]


def write_coco_split(out_dir: str, split: str, images: List[List[np.ndarray]],
                     classes: Tuple[str, ...], info: Dict) -> str:
    """Write ``<out_dir>/<split>/*.png`` and ``<out_dir>/annotations/<split>.json``, whole or
    not at all.

    The split is built beside its place (``<out_dir>/.building-<split>``) and moved in when
    complete (:func:`built_beside`): a run stopped at any point leaves either the old split,
    or the new one, or no json (which :meth:`SyntheticWormSplits.ensure` regenerates); never
    images of one run under the json of another.

    Returns:
        str: the annotation file.
    """
    if not any(m.any() for masks in images for m in masks):
        raise ValueError(f'these settings give no {"/".join(classes)} in {len(images)} '
                         f'{split} images (e.g. objects larger than the image, or all cut by '
                         'its border): nothing was written; change them')
    ann_file = osp.join('annotations', f'{split}.json')
    refuse_foreign_split(out_dir, split)
    with built_beside(out_dir, f'.building-{split}', [ann_file, split]) as build:
        _write_coco_split(build, split, images, classes, info)
    return osp.join(out_dir, ann_file)


#: what the generator names its images; a split folder holding anything else is not its own
_GENERATED_IMAGE = re.compile(r'\d{5}\.png')


def refuse_foreign_split(out_dir: str, split: str) -> None:
    """Refuse to replace a split this generator did not write: ``annotations/<split>.json``
    must carry its ``info.description`` and ``<split>/`` hold only its ``00001.png``-style
    images (a stopped run leaves the folder without the json; it is ours to replace)."""
    if osp.lexists(out_dir) and not osp.isdir(out_dir):
        raise ValueError(f'{out_dir} is a file: give a folder as --out')
    ann = osp.join(out_dir, 'annotations', f'{split}.json')
    if osp.lexists(ann):
        try:
            with open(ann) as f:
                description = json.load(f).get('info', {}).get('description', '')
        except (OSError, ValueError, AttributeError):
            description = ''
        if not str(description).startswith('mmdet_semiconv '):
            raise ValueError(f'{ann} was not written by this generator (its info.description '
                             f'is {description!r}): give an empty or new --out, the generator '
                             f'replaces {split}/ and annotations/{split}.json')
    folder = osp.join(out_dir, split)
    if osp.isdir(folder):
        foreign = sorted(n for n in os.listdir(folder) if not _GENERATED_IMAGE.fullmatch(n))
        if foreign:
            raise ValueError(f'{folder} holds files the generator did not write '
                             f'({foreign[:3]}): give an empty or new --out')
    elif osp.lexists(folder):
        raise ValueError(f'{folder} is a file, where the generator writes its {split} images: '
                         'give an empty or new --out')


def _write_coco_split(out_dir: str, split: str, images: List[List[np.ndarray]],
                      classes: Tuple[str, ...], info: Dict) -> None:
    coco = dict(info=info, images=[], annotations=[],
                categories=[dict(id=i + 1, name=c) for i, c in enumerate(classes)])
    ann_id = 1
    for image_id, masks in enumerate(tqdm(images, desc=f'writing {split}'), start=1):
        h, w = masks[0].shape if masks else (info['height'], info['width'])
        fg = np.zeros((h, w), bool)
        for m in masks:
            fg |= m
        name = f'{split}/{image_id:05d}.png'
        ok, png = cv2.imencode('.png', np.repeat(fg[..., None] * 255, 3, 2).astype(np.uint8))
        assert ok
        atomic_write_bytes(osp.join(out_dir, name), png.tobytes())
        coco['images'].append(dict(id=image_id, file_name=name, height=h, width=w))
        for m in masks:
            coco['annotations'].append(coco_annotation(m, ann_id, image_id, 1))
            ann_id += 1
    atomic_write_json(osp.join(out_dir, 'annotations', f'{split}.json'), coco)


#: what each random family draws an image with, its classes and its description
_FAMILIES = {
    'WormConfig': (generate_worm_image, WORM_CLASSES, 'synthetic worms'),
    'NucleiConfig': (generate_nuclei_image, NUCLEUS_CLASSES, 'synthetic crowded nuclei'),
}


def generate_split(out_dir: str, split: str, num_images: int, seed: int,
                   cfg: Union[WormConfig, NucleiConfig]) -> str:
    """Generate one split of the family ``cfg`` configures; returns its annotation file."""
    if num_images <= 0:
        raise ValueError(f'num_images must be > 0, got {num_images}')
    draw, classes, name = _FAMILIES[type(cfg).__name__]
    rng = np.random.default_rng(seed)
    images = [draw(rng, cfg) for _ in tqdm(range(num_images), desc=f'{name} {split} ({seed})')]
    info = dict(description=f'mmdet_semiconv {name}', seed=seed, **asdict(cfg))
    return write_coco_split(out_dir, split, images, classes, info)


def generate_worm_split(out_dir: str, split: str, num_images: int, seed: int,
                        cfg: Optional[WormConfig] = None) -> str:
    """Generate one split of synthetic worms; returns its annotation file."""
    return generate_split(out_dir, split, num_images, seed, cfg or WormConfig())


def generate_dot_split(out_dir: str, split: str, num_images: int,
                       cfg: Optional[DotGridConfig] = None) -> str:
    """Generate ``num_images`` copies of the dot grid (deterministic: it has no randomness)."""
    if num_images <= 0:
        raise ValueError(f'num_images must be > 0, got {num_images}')
    cfg = cfg or DotGridConfig()
    info = dict(description='mmdet_semiconv dot grid', **asdict(cfg))
    return write_coco_split(out_dir, split, [generate_dot_grid(cfg)] * num_images,
                            DOT_CLASSES, info)


@dataclass
class SyntheticWormSplits:
    """The train and val splits of generated worms (or, with a :class:`NucleiConfig`, crowded
    nuclei) under one root (COCO layout), made on demand: where they live and the generator
    settings they are made with. Not an mmdet dataset class: the configs read the splits with
    mmdet's CocoDataset."""
    root: str = 'data/synthetic_worms'
    num_train: int = 200
    num_val: int = 50
    train_seed: int = 0
    val_seed: int = 1
    config: Union[WormConfig, NucleiConfig] = field(default_factory=WormConfig)

    def __post_init__(self):
        for name in ('num_train', 'num_val'):
            if getattr(self, name) <= 0:
                raise ValueError(f'{name} must be > 0, got {getattr(self, name)}')

    def ann_file(self, split: str) -> str:
        return osp.join(self.root, 'annotations', f'{split}.json')

    def ensure(self) -> None:
        """Generate the splits whose annotation file is missing; refuse one that another
        generator setting made (its json records seed and :class:`WormConfig`)."""
        for split, n, seed in (('train', self.num_train, self.train_seed),
                               ('val', self.num_val, self.val_seed)):
            path = self.ann_file(split)
            if not osp.isfile(path):
                generate_split(self.root, split, n, seed, self.config)
                continue
            with open(path) as f:
                coco = json.load(f)
            want = dict(seed=seed, num_images=n, **asdict(self.config))
            have = dict(coco.get('info', {}), num_images=len(coco.get('images', [])))
            diff = [f'{k}: {have.get(k)!r}, not {v!r}' for k, v in want.items()
                    if have.get(k) != v]
            if diff:
                raise ValueError(f'{path} was generated with other settings ({"; ".join(diff)}): '
                                 f'delete {self.root} (or give another root) to generate it '
                                 'anew')
