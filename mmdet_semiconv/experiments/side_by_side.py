"""Two detectors built for a side-by-side measurement: the same batches, the same data, steps
that alternate. Shared by the overhead benchmark and the overhead profile."""
import argparse
import json
import logging
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint

from mmdet.registry import MODELS

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


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """The command-line arguments that choose the two models and their data."""
    parser.add_argument('config', help='the semi-conv config')
    parser.add_argument('--baseline', required=True, help='the Mask R-CNN config')
    parser.add_argument('--checkpoint', help='weights of the semi-conv model')
    parser.add_argument('--baseline-checkpoint', help='weights of the baseline')
    parser.add_argument('--data-root', help='COCO-format data for both models (else the '
                        "semi-conv config's dataloaders)")
    parser.add_argument('--ann-file', default='annotations/val.json',
                        help='COCO json relative to --data-root (train and test batches)')
    parser.add_argument('--img-prefix', default='', help='image folder relative to --data-root')
    parser.add_argument('--scale', type=int, nargs=2, metavar=('LONG', 'SHORT'),
                        help="replace the pipelines' resize by Resize(scale, keep_ratio=True)")
    parser.add_argument('--detections', type=int, default=100,
                        help='boxes per test image (score threshold 0); 0 keeps the configs')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to both configs')


def build_pair(args: argparse.Namespace) -> Tuple[Config, Dict[str, torch.nn.Module]]:
    """``(semi-conv config, {'semi-conv': model, 'Mask R-CNN': model})`` from
    :func:`add_model_args`' arguments."""
    models, cfgs = {}, {}
    for name, config, ckpt in (('semi-conv', args.config, args.checkpoint),
                               ('Mask R-CNN', args.baseline, args.baseline_checkpoint)):
        cfg = load_config(config, args.cfg_options, ckpt, args.detections or None)
        if args.data_root:
            point_at_data(cfg, args.data_root, args.ann_file, args.img_prefix)
        if args.scale:
            set_input_scale(cfg, args.scale)
        cfgs[name] = cfg
        models[name] = build_model(cfg, ckpt, args.device)
    if not (args.checkpoint or args.baseline_checkpoint):
        share_weights(models['semi-conv'], models['Mask R-CNN'])
    return cfgs['semi-conv'], models


def share_weights(model: torch.nn.Module, baseline: torch.nn.Module) -> None:
    """Give ``model`` the baseline's weights wherever they share a parameter, so that two
    randomly initialised models detect the same boxes and only the branch differs (with
    independent random weights the detections differ, and so do NMS and mask pasting)."""
    own = model.state_dict()
    shared = {k: v for k, v in baseline.state_dict().items()
              if k in own and own[k].shape == v.shape}
    if len(shared) < len(baseline.state_dict()):
        raise ValueError('the baseline has weights the semi-conv model lacks: '
                         f'{sorted(set(baseline.state_dict()) - set(shared))[:5]}')
    model.load_state_dict(shared, strict=False)


def alternating(num: int, names: Sequence[str]) -> List[Tuple[int, str]]:
    """``(batch index, model)`` in the order the steps run: each batch by every model, the
    first model alternating from batch to batch so that neither always runs on a cache the
    other warmed."""
    order = []
    for i in range(num):
        turn = list(names) if i % 2 == 0 else list(reversed(names))
        order.extend((i, name) for name in turn)
    return order
