"""Side-by-side measurement plumbing shared by tools/analysis_tools/branch_overhead.py,
gpu_check.py and the colouring benchmark (.dev_scripts/benchmark_coloring.py): a config ready
for a measurement, pointed at COCO data, its model built from a checkpoint through the
allow-listed loader, a fixed list of batches, and models timed alternating batch by batch
(torch.utils.benchmark)."""
import json
import logging
import os.path as osp
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint
from torch.utils.benchmark import Measurement, Timer

from mmdet.registry import MODELS

MODES = {'predict': 'inference', 'train': 'train step'}

#: Resize transforms of mmdet's pipelines that ``--scale`` replaces.
RESIZES = ('Resize', 'RandomResize', 'RandomChoiceResize', 'FixShapeResize')
#: Dataset wrappers whose ``dataset`` is the one that reads the files.
WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset', 'MultiImageMixDataset')


def load_config(config: str, options: Optional[dict] = None,
                checkpoint: Optional[str] = None, detections: Optional[int] = None) -> Config:
    """A config ready for a measurement.

    Without a checkpoint the weights are random and nothing may download them: the backbone's
    ``Pretrained`` init is dropped. ``detections`` fixes the number of boxes the mask stage
    runs on at test time (score threshold 0, ``max_per_img`` = detections), so that random
    weights exercise it as a trained model does.
    """
    cfg = Config.fromfile(config)
    if checkpoint is None:
        cfg.model.backbone.init_cfg = None
    if detections is not None:
        rcnn = cfg.model.test_cfg.rcnn
        rcnn.score_thr, rcnn.max_per_img = 0.0, int(detections)
    for key in ('train_dataloader', 'test_dataloader'):
        # the batches are built once, before anything is timed: no worker left running
        cfg[key].update(num_workers=0, persistent_workers=False)
    if options:
        cfg.merge_from_dict(options)
    return cfg


def _datasets(cfg: Config) -> List[ConfigDict]:
    """The datasets that read files, of the train and test dataloaders."""
    out = []
    for key in ('train_dataloader', 'test_dataloader'):
        dataset = cfg[key].dataset
        while dataset.get('type') in WRAPPERS:
            dataset = dataset.dataset
        out.append(dataset)
    return out


def set_input_scale(cfg: Config, scale: Sequence[int]) -> None:
    """Replace every resize of the train and test pipelines by mmdet's
    ``Resize(scale, keep_ratio=True)``; ``scale`` is ``(long, short)``, e.g. ``(1333, 800)``."""
    for dataset in _datasets(cfg):
        dataset.pipeline = [
            dict(type='Resize', scale=tuple(scale), keep_ratio=True)
            if t['type'] in RESIZES else t for t in dataset.pipeline
        ]


def point_at_data(cfg: Config, data_root: str, ann_file: str, img_prefix: str = '') -> None:
    """Point the train and test dataloaders of ``cfg`` at COCO-format data, in place.

    Args:
        data_root (str): the data set's root; ``ann_file`` and ``img_prefix`` are relative to it.
        ann_file (str): COCO json, used for both loaders; its categories become the classes.
    """
    path = osp.join(data_root, ann_file)
    try:
        with open(path) as f:
            categories = json.load(f)['categories']
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f'{path}: cannot read its COCO "categories" ({err}); give a COCO '
                         'instance json relative to --data-root') from err
    classes = tuple(c['name'] for c in sorted(categories, key=lambda c: c['id']))
    num_classes = _num_classes(cfg.model)
    if num_classes is not None and len(classes) > num_classes:
        raise ValueError(f'{path} has {len(classes)} categories, the model predicts '
                         f'{num_classes}: pick a model with as many classes')
    for dataset in _datasets(cfg):
        dataset.update(data_root=data_root, ann_file=ann_file, data_prefix=dict(img=img_prefix),
                       metainfo=dict(classes=classes))


def _num_classes(model_cfg: ConfigDict) -> Optional[int]:
    roi_head = model_cfg.get('roi_head', {})
    bbox_head = roi_head.get('bbox_head', {})
    if isinstance(bbox_head, (list, tuple)):
        bbox_head = bbox_head[0]
    return bbox_head.get('num_classes')


def build_model(cfg: Config, checkpoint: Optional[str], device: str) -> torch.nn.Module:
    """The detector of ``cfg``: seeded random init, or ``checkpoint`` (mmengine's loader, whose
    schemes :mod:`mmdet_semiconv.utils.checkpoint` restricts to the allow-list)."""
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every parameter at INFO
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.to(device)


def batches(dataloader_cfg: ConfigDict, n: int) -> List[dict]:
    """The first ``n`` batches of a dataloader (cycling a finite one), built once."""
    loader = Runner.build_dataloader(dataloader_cfg)
    out: List[dict] = []
    while len(out) < n:
        for batch in loader:
            out.append(batch)
            if len(out) == n:
                break
    return out


def predict_step(model: torch.nn.Module, batch: dict) -> Callable[[], None]:
    """One inference step (``predict`` mode, boxes and pasted masks) on ``batch``."""
    def step() -> None:
        with torch.no_grad():
            model(**model.data_preprocessor(batch, False), mode='predict')
    return step


def train_step(model: torch.nn.Module, batch: dict) -> Callable[[], None]:
    """One training step without the optimiser's update (``loss`` mode, then backward), so
    that every timed step sees the same weights."""
    def step() -> None:
        losses = model(**model.data_preprocessor(batch, True), mode='loss')
        total, _ = model.parse_losses(losses)
        model.zero_grad()
        total.backward()
    return step


STEPS = {'predict': predict_step, 'train': train_step}


def alternating(num: int, names: Sequence[str]) -> List[Tuple[int, str]]:
    """``(batch index, model)`` in the order the steps run: each batch by every model, the
    first model alternating from batch to batch so that neither always runs on a cache the
    other warmed."""
    order = []
    for i in range(num):
        turn = list(names) if i % 2 == 0 else list(reversed(names))
        order.extend((i, name) for name in turn)
    return order


# ---------------------------------------------------------------- timing (torch.utils.benchmark)


def time_models(models: Dict[str, torch.nn.Module], data: Dict[str, List[dict]],
                warmup: int) -> Dict[str, Dict[str, Measurement]]:
    """``{mode: {model: Measurement}}``, one timed call per batch after ``warmup`` (the batches
    of ``data[mode]``, the models alternating, :func:`alternating`). A merged measurement keeps
    its batches in order, so the models' times pair up batch by batch."""
    out: Dict[str, Dict[str, Measurement]] = {}
    for mode, mode_batches in data.items():
        for model in models.values():
            model.train(mode == 'train')
        runs: Dict[str, List[Measurement]] = defaultdict(list)
        for i, name in alternating(len(mode_batches), list(models)):
            step = STEPS[mode](models[name], mode_batches[i])
            if i < warmup:
                step()
                continue
            timer = Timer('step()', globals=dict(step=step), label='one step per batch',
                          sub_label=name, description=MODES[mode],
                          num_threads=torch.get_num_threads())
            runs[name].append(timer.timeit(1))
        out[mode] = {name: Measurement.merge(ms)[0] for name, ms in runs.items()}
    return out
