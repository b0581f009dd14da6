"""The markdown tables every report prints."""
from mmdet_semiconv.evaluation.tables import coco_table, markdown_table


def test_tables():
    assert markdown_table(['a', 'b'], [[1, 0.12345]]) == '| a | b |\n|---|---|\n| 1 | 0.123 |'
    table = coco_table({'coco/segm_mAP': 0.5}, tasks=['segm'])
    assert table.splitlines()[2].startswith('| segm | 0.500 | nan')
