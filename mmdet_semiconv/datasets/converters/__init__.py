from .bbbc010 import convert_bbbc010, default_train_wells
from .errors import ConversionError, require_writable_dir
from .voc import VOC_CLASSES, convert_voc

__all__ = [
    'ConversionError', 'require_writable_dir', 'convert_voc', 'convert_bbbc010',
    'default_train_wells', 'VOC_CLASSES'
]
