from .helpers import (BIN, CONFIGS, REPO, TINY_WORMS, load_script, markdown_tables, run_tool,
                      write_tiny_config)
from .release_layouts import VOC_IDS, WELLS, make_bbbc010, make_voc, save_voc_png

__all__ = ['BIN', 'CONFIGS', 'REPO', 'TINY_WORMS', 'load_script', 'markdown_tables', 'run_tool',
           'write_tiny_config', 'VOC_IDS', 'WELLS', 'make_bbbc010', 'make_voc', 'save_voc_png']
