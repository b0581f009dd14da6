# The fair baseline of the staged benchmark: a stage-1 Mask R-CNN (mask-rcnn_worms_cpu.py)
# fine-tuned for the same schedule as semiconv_worms_cpu_finetune.py, without the branch.
#
#   python tools/train.py configs/mask-rcnn_worms_cpu_finetune.py \
#       --cfg-options load_from=work_dirs/mask-rcnn_worms_cpu/iter_300.pth
_base_ = [
    './_base_/models/mask-rcnn_r18_fpn_cpu.py', './_base_/datasets/synthetic_worms.py',
    './_base_/schedules/schedule_cpu_finetune_300it.py', './_base_/cpu_runtime.py'
]

load_from = None  # the stage-1 checkpoint: required, set it on the command line
