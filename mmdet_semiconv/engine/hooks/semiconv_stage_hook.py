"""SemiConvStageHook: what changes during the stage-2 fine-tuning of section 4.3."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

from mmdet.registry import HOOKS

#: Parameters that a stage-1 (plain Mask R-CNN) checkpoint cannot have.
NEW_BRANCH = ('roi_head.embedding_neck.', 'roi_head.mask_head.kernel.')


class Stage1CheckpointError(RuntimeError):
    """The stage-1 checkpoint did not provide every weight outside the new branch."""


@HOOKS.register_module()
class SemiConvStageHook(Hook):
    """Owns the schedule of the semi-convolutional branch during fine-tuning.

    * ``before_train``: with ``load_from`` (and not resuming), refuses a stage-1 checkpoint
      whose keys do not cover every parameter outside the new branch (the embedding neck and
      the kernel), listing them: a stage 2 that silently starts from random weights would
      waste a GPU-day.
    * ``before_train_iter``: the kernel path joins at ``kernel_start_iter`` (before it, the
      mask head is exactly Mask R-CNN's), and the weights of the embedding and kernel losses
      rise linearly from 0 to their configured values over ``warmup_iters`` after it.

    Nothing is frozen at construction: mmengine builds the optimizer before hooks run and
    skips parameters that start with ``requires_grad=False``.

    Under DistributedDataParallel with ``kernel_start_iter > 0``, sigma gets no gradient before
    the kernel joins: set ``find_unused_parameters = True`` in the config. Every rank runs the
    same schedule (it depends on ``runner.iter`` only), so the ranks stay in sync.

    Args:
        kernel_start_iter (int): iteration at which ``s_hat = s + log K`` is switched on.
        warmup_iters (int): linear warm-up of the branch's loss weights after that.
        new_branch (Sequence[str]): parameter-name prefixes a stage-1 checkpoint may lack.
    """

    priority = 'NORMAL'

    def __init__(self, kernel_start_iter: int = 0, warmup_iters: int = 0,
                 new_branch: Sequence[str] = NEW_BRANCH) -> None:
        self.kernel_start_iter = kernel_start_iter
        self.warmup_iters = warmup_iters
        self.new_branch = tuple(new_branch)
        self._base_weights: Optional[dict] = None

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        head = model.roi_head
        self._base_weights = dict(
            embedding=head.loss_embedding.loss_weight,
            kernel=head.mask_head.loss_kernel.loss_weight)
        if runner._load_from and not runner._resume:
            self.check_stage1(runner._load_from, model)

    def check_stage1(self, filename: str, model) -> None:
        state = _load_checkpoint(filename, map_location='cpu')
        state = state.get('state_dict', state)
        missing = [k for k in model.state_dict()
                   if k not in state and not k.startswith(self.new_branch)]
        if missing:
            shown = ', '.join(missing[:20]) + (' ...' if len(missing) > 20 else '')
            raise Stage1CheckpointError(
                f'load_from={filename} lacks {len(missing)} weight(s) outside the new '
                f'semi-conv branch ({", ".join(self.new_branch)}): {shown}. Stage 2 must start '
                'from a trained Mask R-CNN of the same architecture: train the stage-1 '
                'baseline config and point load_from at its checkpoint.')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        head = self._model(runner).roi_head
        it = runner.iter
        on = it >= self.kernel_start_iter
        head.mask_head.use_kernel = on
        if not on:
            ramp = 0.
        elif self.warmup_iters > 0:
            ramp = min(1., (it - self.kernel_start_iter + 1) / self.warmup_iters)
        else:
            ramp = 1.
        head.loss_embedding.loss_weight = self._base_weights['embedding'] * ramp
        head.mask_head.loss_kernel.loss_weight = self._base_weights['kernel'] * ramp

    def after_train(self, runner) -> None:
        # evaluation and saved models always run the full semi-conv head
        head = self._model(runner).roi_head
        head.mask_head.use_kernel = True
        head.loss_embedding.loss_weight = self._base_weights['embedding']
        head.mask_head.loss_kernel.loss_weight = self._base_weights['kernel']
