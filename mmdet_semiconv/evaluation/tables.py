"""Markdown tables of COCO metrics, the one format every report of this package uses."""
from typing import Dict, Sequence

#: mmdet's CocoMetric keys, in the column order of mmdet's model zoo.
COCO_KEYS = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A GitHub markdown table; floats are written with 3 decimals."""
    def cell(v):
        return f'{v:.3f}' if isinstance(v, float) else str(v)
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)


#: InstanceMatchingMetric's headline scores (prefix ``matching/``), as the field reports them.
MATCHING_KEYS = ('accuracy@0.50', 'f1@0.50', 'pq@0.50', 'mean_accuracy')


def matching_table(metrics: Dict[str, float]) -> str:
    """One row of :class:`InstanceMatchingMetric`'s ``matching/<key>`` metrics: DSB accuracy,
    F1 and panoptic quality at IoU 0.5, and avAP (accuracy over IoU 0.5:0.95)."""
    return markdown_table(['accuracy@0.5', 'F1@0.5', 'PQ@0.5', 'avAP'],
                          [[float(metrics.get(f'matching/{k}', float('nan')))
                            for k in MATCHING_KEYS]])


def coco_table(metrics: Dict[str, float], tasks: Sequence[str] = ('bbox', 'segm')) -> str:
    """One row per task of an mmdet evaluation's ``coco/<task>_<key>`` metrics."""
    rows = [[task] + [float(metrics.get(f'coco/{task}_{k}', float('nan'))) for k in COCO_KEYS]
            for task in tasks]
    return markdown_table(['task'] + [k.replace('mAP', 'AP') for k in COCO_KEYS], rows)
