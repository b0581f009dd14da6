"""SemiConvRoIHeadMixin: the interface a head must provide."""
import pytest

from mmdet.models.roi_heads import StandardRoIHead
from mmdet_semiconv.models.roi_heads.semiconv_roi_head_mixin import SemiConvRoIHeadMixin


def test_a_head_must_provide_the_mask_stage_on_given_rois():
    class Incomplete(SemiConvRoIHeadMixin, StandardRoIHead):
        pass

    with pytest.raises(TypeError, match='mask_forward_on_rois.*predict_mask_on_rois'):
        Incomplete()
