"""mmdet_semiconv: semi-convolutional operators for instance segmentation in MMDetection 3.x.

Importing the package registers its modules into mmdet's registries (configs do it with
``custom_imports = dict(imports=['mmdet_semiconv'])``) and makes mmengine load checkpoints
with ``weights_only=True`` through an exact allow-list (:mod:`mmdet_semiconv.utils.checkpoint`).
"""
from . import datasets, engine, evaluation, models, utils  # noqa: F401  (registration side effects)

__version__ = '0.1.0'
