"""SemiConvColoring: the box-free semi-convolutional instance segmentor."""
from mmdet.models.detectors.single_stage_instance_seg import SingleStageInstanceSegmentor
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig


@MODELS.register_module()
class SemiConvColoring(SingleStageInstanceSegmentor):
    """Instance colouring with semi-convolutional embeddings (sections 3.1-3.4, 3.6, 4.1):
    backbone, FPN and a :class:`SemiConvColoringHead`, as SOLO and SOLOv2 are built."""

    def __init__(self,
                 backbone: ConfigType,
                 neck: OptConfigType = None,
                 mask_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(backbone=backbone, neck=neck, mask_head=mask_head,
                         train_cfg=train_cfg, test_cfg=test_cfg,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
