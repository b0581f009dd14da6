"""The pinned OpenMMLab stack is installed, with mmcv's compiled ops."""
import torch


def test_versions():
    import mmcv
    import mmengine

    import mmdet
    assert torch.__version__.split('+')[0] == '2.13.0'
    assert mmengine.__version__ == '0.10.7'
    assert mmcv.__version__ == '2.1.0'
    assert mmdet.__version__ == '3.3.0'


def test_mmcv_ops_are_compiled():
    import mmcv._ext  # noqa: F401  (missing when mmcv was built with build isolation)
    from mmcv.ops import RoIAlign, nms
    feats = torch.arange(16.).view(1, 1, 4, 4)
    out = RoIAlign(output_size=1, spatial_scale=1., sampling_ratio=1, aligned=True)(
        feats, torch.tensor([[0., 1., 1., 2., 2.]]))
    assert out.item() == feats[0, 0, 1, 1].item()  # the centre of pixel (1, 1)
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
    dets, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    assert keep.tolist() == [0, 2]


def test_our_modules_are_registered_in_mmdets_registries():
    from mmdet.registry import MODELS
    for name in ('SemiConvPhiSubnet', 'SteeredBilateralKernel', 'SemiConvMaskHead',
                 'SemiConvRoIHead', 'SemiConvEmbeddingLoss', 'LogSpaceBCELoss'):
        assert MODELS.get(name) is not None, name


def test_importing_the_package_alone_registers_every_config_type():
    """What ``custom_imports = dict(imports=['mmdet_semiconv'])`` gives a fresh process."""
    import subprocess
    import sys
    code = ('import mmdet_semiconv\n'
            'from mmdet.registry import DATASETS, HOOKS, METRICS, MODELS\n'
            'for registry, name in ((DATASETS, "CheckedCocoDataset"), '
            '(HOOKS, "SemiConvFinetuneHook"), (METRICS, "VOCAPrMetric"), '
            '(MODELS, "SemiConvCascadeRoIHead")):\n'
            '    assert registry.get(name) is not None, name\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
