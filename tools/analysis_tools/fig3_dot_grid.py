"""The paper's dot-grid experiment (section 4.1, Fig. 3): conv vs semi-conv embeddings.

    python tools/analysis_tools/fig3_dot_grid.py [--iters 300] [--size 192] [--grid 4]
        [--lr 1e-3] [--coord-scale 32] [--seed 0] [--weights resnet50.pth]
        [--out docs/figures/fig3.png]

Prints the adjusted Rand index and per-dot purity of k-means on both embeddings and draws the
figure (mmdet_semiconv/experiments/fig3_dot_grid.py says how).
"""
import argparse
import dataclasses

from mmdet_semiconv.experiments.fig3_dot_grid import Fig3Settings, reproduce_fig3


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    for f in dataclasses.fields(Fig3Settings):
        parser.add_argument('--' + f.name.replace('_', '-'), default=f.default,
                            type=str if f.default is None else type(f.default))
    return reproduce_fig3(Fig3Settings(**vars(parser.parse_args(argv))))


if __name__ == '__main__':
    main()
