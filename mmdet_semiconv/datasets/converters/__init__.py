from .bbbc010 import convert_bbbc010, default_train_wells
from .errors import ConversionError
from .voc import VOC_CLASSES, convert_voc

__all__ = [
    'ConversionError', 'convert_voc', 'convert_bbbc010', 'default_train_wells', 'VOC_CLASSES'
]
