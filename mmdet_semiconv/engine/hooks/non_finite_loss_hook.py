"""NonFiniteLossHook: training stops at the first non-finite loss, naming it."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmdet.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first iteration whose total loss is NaN or infinite, naming the
    iteration and every loss term that is not finite.

    mmdet's ``CheckInvalidLossHook`` checks every 50 iterations and asserts without naming
    the term; a NaN ``loss_weight`` or ``sigma`` would otherwise train to the end and save a
    NaN checkpoint as if it were good. It runs before the CheckpointHook of the same
    iteration (priority ABOVE_NORMAL), so no checkpoint is written after the loss went bad.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs or 'loss' not in outputs or _finite(outputs['loss']):
            return
        bad = [k for k, v in outputs.items() if k != 'loss' and not _finite(v)]
        raise FloatingPointError(
            f'iteration {runner.iter + 1}: the loss is {float(outputs["loss"])} '
            f'({", ".join(bad) or "the sum"} not finite); training stopped before saving a '
            'checkpoint. Check the config values these losses use (loss_weight, sigma, lr) '
            'and the annotations of this batch; resume from the last checkpoint once fixed.')


def _finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all())
    return math.isfinite(float(value))
