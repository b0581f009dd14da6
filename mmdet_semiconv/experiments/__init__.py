"""Experiments of the paper reproduced on the embedded data: the staged benchmark (Table 1
protocol) and the dot grid (Fig. 3). Command lines live in ``tools/analysis_tools``."""
