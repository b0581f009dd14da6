# Plain Mask R-CNN on the synthetic worms, with everything else (backbone, data, schedule)
# exactly as semiconv_worms_cpu.py: the baseline of the benchmark and stage 1 of the staged
# fine-tuning (section 4.3). Without the embedding neck and the kernel, SemiConvRoIHead is
# mmdet's StandardRoIHead + FCNMaskHead (same outputs, losses and checkpoint keys; tested).
_base_ = './semiconv_worms_cpu.py'

model = dict(roi_head=dict(embedding_neck=None, mask_head=dict(kernel=None)))
