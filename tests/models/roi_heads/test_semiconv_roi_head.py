"""SemiConvRoIHead: Phi once per step, checkpoints without the branch, the plain baseline."""
import os.path as osp
import warnings

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox2roi
from mmdet.testing import demo_mm_inputs, demo_mm_proposals
from mmdet_semiconv.testing import CONFIGS


def _head_cfg(name='semiconv_worms_cpu.py'):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    head = cfg.model.roi_head
    head.update(train_cfg=cfg.model.train_cfg.rcnn, test_cfg=cfg.model.test_cfg.rcnn)
    return head


def _inputs(num_items=(3, 2)):
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 128, 128)] * 2,
                            num_items=list(num_items), num_classes=2, with_mask=True)
    samples = packed['data_samples']
    for s in samples:
        s.gt_instances.labels.zero_()
    feats = tuple(torch.randn(2, 64, 128 // s, 128 // s) for s in (4, 8, 16, 32, 64))
    proposals = demo_mm_proposals([(3, 128, 128)] * 2, 50)
    return feats, proposals, samples


def test_phi_is_computed_once_per_call_in_every_mode():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg())
    head.init_weights()
    calls = []  # the width of each level the subnet ran on
    head.semiconv_branch.phi_subnet.subnet.register_forward_hook(
        lambda module, args, out: calls.append(out.shape[-1]))
    feats, proposals, samples = _inputs()
    losses = head.loss(feats, [p.clone() for p in proposals], samples)
    assert 32 in calls and len(calls) == len(set(calls))  # P2 (eq. 5), each level once
    assert {'loss_mask', 'loss_kernel', 'loss_embedding', 'sigma_px', 'eq5_p2'} <= set(losses)
    assert float(losses['sigma_px']) == pytest.approx(64.)  # sigma = 1 unit = coord_scale px
    head.eval()
    for mode in (head.predict, head.forward):
        calls.clear()
        with torch.no_grad():
            mode(feats, [p.clone() for p in proposals], samples)
        assert calls and len(calls) == len(set(calls))
    # the mask stage alone reads the Phi it is given, and refuses to go without it
    calls.clear()
    rois = bbox2roi([proposals[0].bboxes[:3]])
    with torch.no_grad():
        phis = head.semiconv_phis(feats)
        calls.clear()
        out = head.mask_forward_on_rois(feats, phis, rois, rois.new_zeros(3, dtype=torch.long))
        assert calls == [] and out['log_k'].shape == (3, 28, 28)
        with pytest.raises(ValueError, match='phis=self.semiconv_phis'):
            head.mask_forward_on_rois(feats, None, rois)


def test_a_checkpoint_without_the_branch_is_loudly_reported():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg())
    plain = {k: v for k, v in head.state_dict().items() if 'semiconv_branch' not in k}
    with pytest.warns(UserWarning, match='stays at its random init'):
        head.load_state_dict(plain, strict=False)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # a checkpoint with the branch loads silently
        head.load_state_dict(head.state_dict(), strict=True)


def test_a_checkpoint_whose_branch_has_other_shapes_is_refused():
    torch.manual_seed(0)
    cfg = _head_cfg()
    head = MODELS.build(cfg)
    cfg.semiconv_branch.phi_subnet.embed_dims = 16
    other = MODELS.build(cfg).state_dict()
    with pytest.raises(ValueError, match=r'semiconv_branch\.phi_subnet\..* is \(16, .* in '
                       r'the checkpoint, \(8, .* in this model'):
        head.load_state_dict(other, strict=False)


def test_a_checkpoint_written_before_the_phi_subnet_rename_loads():
    torch.manual_seed(0)
    trained = MODELS.build(_head_cfg()).state_dict()
    old = {k.replace('semiconv_branch.phi_subnet.', 'semiconv_branch.embedding_neck.'): v
           for k, v in trained.items()}
    assert any('embedding_neck' in k for k in old)
    torch.manual_seed(1)
    head = MODELS.build(_head_cfg())
    head.load_state_dict(old, strict=True)
    assert all(torch.equal(v, trained[k]) for k, v in head.state_dict().items())


def test_an_unknown_argument_is_refused():
    cfg = _head_cfg()
    cfg.phi_subnet = dict(type='SemiConvPhiSubnet')  # belongs in semiconv_branch
    with pytest.raises(TypeError, match='phi_subnet'):
        MODELS.build(cfg)


def test_without_the_branch_the_state_dict_is_mmdets():
    ours = _head_cfg()
    ours.semiconv_branch = None
    ours.mask_head.type = 'FCNMaskHead'
    for key in ('kernel', 'loss_kernel'):
        ours.mask_head.pop(key)
    plain = _head_cfg('mask-rcnn_worms_cpu.py')
    assert plain.type == 'StandardRoIHead'
    assert MODELS.build(ours).state_dict().keys() == MODELS.build(plain).state_dict().keys()


def test_shared_roi_extractor_is_refused():
    cfg = _head_cfg()
    cfg.mask_roi_extractor = None
    with pytest.raises(ValueError, match='its own mask_roi_extractor'):
        MODELS.build(cfg)
