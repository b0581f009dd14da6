# The fair baseline of the staged benchmark: the stage-1 Mask R-CNN fine-tuned for the same
# extra schedule as semiconv_worms_cpu_finetune.py, without the semi-conv branch.
_base_ = './semiconv_worms_cpu_finetune.py'

model = dict(roi_head=dict(embedding_neck=None, mask_head=dict(kernel=None)))
custom_hooks = []
