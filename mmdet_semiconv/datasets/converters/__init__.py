from .bbbc010 import convert_bbbc010, default_train_wells
from .errors import ConversionError, require_writable_dir
from .label_images import convert_label_images
from .voc import VOC_CLASSES, convert_voc

__all__ = [
    'ConversionError', 'require_writable_dir', 'convert_voc', 'convert_bbbc010',
    'convert_label_images', 'default_train_wells', 'VOC_CLASSES'
]
