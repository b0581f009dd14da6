# Plain Mask R-CNN (our CPU model) on the embedded crowded nuclei, trained as the colouring
# model. Up to ~30 nuclei an image: 100 detections kept, as the other models.
_base_ = [
    './_base_/models/mask-rcnn_r18_fpn_cpu.py', './_base_/datasets/synthetic_nuclei.py',
    './_base_/schedules/schedule_cpu_300it.py', './_base_/cpu_runtime.py'
]

model = dict(test_cfg=dict(rpn=dict(max_per_img=300), rcnn=dict(max_per_img=100)))
