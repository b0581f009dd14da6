"""The markdown tables every report prints."""
from mmdet_semiconv.evaluation.tables import coco_table, markdown_table, matching_table


def test_tables():
    assert markdown_table(['a', 'b'], [[1, 0.12345]]) == '| a | b |\n|---|---|\n| 1 | 0.123 |'
    table = coco_table({'coco/segm_mAP': 0.5}, tasks=['segm'])
    assert table.splitlines()[2].startswith('| segm | 0.500 | nan')


def test_matching_table_reads_the_metrics_headline_scores():
    table = matching_table({'matching/accuracy@0.50': 0.9, 'matching/f1@0.50': 0.95,
                            'matching/mean_accuracy': 0.7, 'coco/segm_mAP': 0.5})
    assert table.splitlines()[0] == '| accuracy@0.5 | F1@0.5 | PQ@0.5 | avAP |'
    assert table.splitlines()[2] == '| 0.900 | 0.950 | nan | 0.700 |'
