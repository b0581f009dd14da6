"""SemiConvFinetuneHook: what changes while the branch is fine-tuned onto a pretrained Mask
R-CNN (the paper's multistage training, section 4.3)."""
from typing import List, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

from mmdet.registry import HOOKS

from ...models import SemiConvEmbeddingBranch, SemiConvMaskHead, SteeredBilateralKernel
from .utils import run_start


class PretrainedCheckpointError(RuntimeError):
    """The pretrained Mask R-CNN checkpoint did not provide every weight outside the branch."""


def linear_ramp(it: int, begin: int, length: int) -> float:
    """0 before ``begin``, then rising linearly to 1 over ``length`` iterations."""
    if it < begin:
        return 0.
    if length <= 0:
        return 1.
    return min(1., (it - begin + 1) / length)


@HOOKS.register_module()
class SemiConvFinetuneHook(Hook):
    """Owns the schedule of the semi-convolutional branch during fine-tuning.

    * ``before_train``: refuses a model without the branch, and, with ``load_from`` (and not
      resuming), a pretrained checkpoint whose keys and shapes do not cover every parameter
      outside the new branch (the :class:`SemiConvEmbeddingBranch` and the kernels), listing
      them: a fine-tuning that silently starts from random weights would waste a GPU-day.
    * ``before_train_iter``: lambda of ``s_hat = s + lambda log K`` is 0 before
      ``kernel_begin`` (the masks are Mask R-CNN's while Phi learns) and then rises
      linearly to its configured value over ``kernel_ramp``; the weights of eq. (5) and
      of the BCE on K rise linearly from the start over ``warmup``, so Phi and sigma
      learn from the start.
    * ``after_train``: everything back to its configured value, for evaluation and saving.

    Nothing is frozen at construction: mmengine builds the optimizer before hooks run and
    skips parameters that start with ``requires_grad=False``. The schedule depends on
    ``runner.iter`` only, so DDP ranks stay in sync; every parameter gets a gradient at every
    iteration (the BCE on K reaches the kernel and Phi even while lambda is 0).

    Args:
        kernel_begin (float): when log K enters the logits.
        kernel_ramp (float): how long lambda takes to rise to its value.
        warmup (float): how long the branch's loss weights take to rise from 0.
        by_epoch (bool): the three are in iterations (False) or in epochs of the train
            dataloader (True), as ``begin``/``end`` of mmengine's parameter schedulers; in
            epochs a schedule keeps its place when ``--auto-scale-lr`` changes the number of
            iterations per epoch. Fractions of an epoch round to whole iterations.
        require_pretrained (bool): refuse to train unless a pretrained ``load_from`` is loaded
            or a checkpoint of this run was resumed (the branch is fine-tuned onto a trained
            Mask R-CNN;
            mmdet's ``train.py --resume`` sets ``load_from = None``, and on a fresh work dir
            mmengine then finds nothing to resume although resume is set).
    """

    priority = 'NORMAL'

    def __init__(self, kernel_begin: float = 0, kernel_ramp: float = 0,
                 warmup: float = 0, by_epoch: bool = False,
                 require_pretrained: bool = False) -> None:
        self.require_pretrained = require_pretrained
        self.schedule = dict(kernel_begin=kernel_begin, kernel_ramp=kernel_ramp, warmup=warmup)
        self.by_epoch = by_epoch
        self._iters = self._in_iters(1)
        self._targets: List[Tuple[object, str, float, str]] = []

    def _in_iters(self, iters_per_unit: int) -> dict:
        return {name: int(round(value * iters_per_unit)) for name, value in self.schedule.items()}

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        head = getattr(model, 'roi_head', None)
        mask_heads = [m for m in model.modules() if isinstance(m, SemiConvMaskHead)]
        if not getattr(head, 'with_semiconv', False) or not mask_heads:
            raise TypeError(
                'SemiConvFinetuneHook schedules the semi-convolutional branch, but this model '
                f'has none (roi_head: {type(head).__name__}, SemiConvMaskHeads: '
                f'{len(mask_heads)}). Use it with a SemiConvRoIHead/SemiConvCascadeRoIHead '
                'whose semiconv_branch is set and whose mask_head is a SemiConvMaskHead, '
                'or remove it from custom_hooks (the Mask R-CNN baselines do not need it).')
        # (object, attribute, configured value, which ramp): what each iteration sets
        self._targets = [(head.semiconv_branch.loss_embedding, 'loss_weight',
                          head.semiconv_branch.loss_embedding.loss_weight, 'warmup')]
        for mh in mask_heads:
            self._targets += [(mh.loss_kernel, 'loss_weight', mh.loss_kernel.loss_weight,
                               'warmup'), (mh, 'kernel_weight', mh.kernel_weight, 'kernel')]
        if self.by_epoch:
            self._iters = self._in_iters(len(runner.train_dataloader))
        # mmengine resumes before this hook runs; `--resume` on a work dir without a
        # checkpoint sets _resume and loads nothing (the iteration is still 0)
        start = run_start(runner)
        fine_tuned = start.load_from and not start.resume
        if self.require_pretrained and not (start.resume and runner.iter > 0 or fine_tuned):
            raise PretrainedCheckpointError(
                'this fine-tuning config needs a trained Mask R-CNN: set load_from=<its '
                'checkpoint> (e.g. --cfg-options load_from=...), without --resume on a fresh '
                'work dir: mmdet\'s train.py --resume sets load_from to None, and no checkpoint '
                f'of this run was found in {getattr(runner, "work_dir", "the work dir")} to '
                'resume from, so nothing was loaded')
        if fine_tuned:
            self.check_pretrained(start.load_from, model)

    def check_pretrained(self, filename: str, model) -> None:
        new_branch = tuple(name + '.' for name, m in model.named_modules()
                           if isinstance(m, (SemiConvEmbeddingBranch, SteeredBilateralKernel)))
        # the learned offset beta of s_hat is new too (a parameter of the mask head itself)
        new_branch += tuple(f'{name}.logk_offset' for name, m in model.named_modules()
                            if isinstance(m, SemiConvMaskHead) and m.logk_offset is not None)
        state = _load_checkpoint(filename, map_location='cpu')
        state = state.get('state_dict', state)
        own = model.state_dict()
        missing = [k for k in own if k not in state and not k.startswith(new_branch)]
        # a key of another shape (e.g. another number of classes) is not loaded either
        missing += [f'{k} (shape {tuple(state[k].shape)} in the checkpoint, '
                    f'{tuple(v.shape)} in the model)' for k, v in own.items()
                    if k in state and not k.startswith(new_branch)
                    and tuple(state[k].shape) != tuple(v.shape)]
        if missing:
            shown = ', '.join(missing[:20]) + (' ...' if len(missing) > 20 else '')
            raise PretrainedCheckpointError(
                f'load_from={filename} lacks {len(missing)} weight(s) outside the new '
                f'semi-conv branch ({", ".join(new_branch)}): {shown}. The fine-tuning must '
                'start from a trained Mask R-CNN of the same architecture: train the baseline '
                'config and point load_from at its checkpoint.')

    def factors(self, it: int) -> dict:
        """The multipliers of the configured values at iteration ``it``."""
        n = self._iters
        return dict(warmup=linear_ramp(it, 0, n['warmup']),
                    kernel=linear_ramp(it, n['kernel_begin'], n['kernel_ramp']))

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        factors = self.factors(runner.iter)
        for obj, attr, value, ramp in self._targets:
            setattr(obj, attr, value * factors[ramp])

    def after_train(self, runner) -> None:
        for obj, attr, value, _ in self._targets:
            setattr(obj, attr, value)
