"""Named profiler scopes around the parts of the semi-convolutional branch.

Each part of the branch runs inside ``torch.profiler.record_function('semiconv:<part>')`` so that
a profile of a whole Mask R-CNN step can be broken down into them
(``tools/analysis_tools/branch_overhead.py --profile``). Outside a profiler a scope costs a few
microseconds.
"""
from contextlib import nullcontext
from typing import ContextManager

import torch
from torch.profiler import record_function

#: Prefix of every scope the branch opens.
SCOPE_PREFIX = 'semiconv:'

#: The parts, in the order of the data flow (the subnet has one part per FPN level, P2...).
BRANCH_PARTS = ('phi_subnet', 'u_hat', 'phi_roi_align', 'kernel', 'eq5_targets', 'eq5',
                'bce_k')


def branch_scope(part: str) -> ContextManager:
    """The profiler scope of one part of the branch (``phi_subnet_p2``, ``kernel``, ...).

    None while the model is traced (mmengine's FLOP counter, ONNX export): a traced scope is
    an operator of the graph that the counter does not know.
    """
    if not part.startswith(BRANCH_PARTS):
        raise ValueError(f'{part!r} is not a part of the branch {BRANCH_PARTS}')
    if torch.jit.is_tracing():
        return nullcontext()
    return record_function(SCOPE_PREFIX + part)
