# Mask R-CNN R101-FPN on PASCAL VOC 2012: the baseline of Tables 2-3 and stage 1 of the staged
# training (its checkpoint is semiconv_voc.py's load_from). Same data, schedule and evaluation
# as semiconv_voc.py, trained from the ImageNet R101 of mmdet's base.
_base_ = './semiconv_voc.py'

model = dict(roi_head=dict(embedding_neck=None, mask_head=dict(kernel=None)))
load_from = None
custom_hooks = []
