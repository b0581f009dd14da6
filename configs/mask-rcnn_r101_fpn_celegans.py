# Mask R-CNN R101-FPN on C. elegans (BBBC010): the baseline of Table 1 and stage 1 for
# semiconv_celegans.py. Same data, schedule and evaluation.
_base_ = './semiconv_celegans.py'

model = dict(roi_head=dict(embedding_neck=None, mask_head=dict(kernel=None)))
load_from = None
custom_hooks = []
