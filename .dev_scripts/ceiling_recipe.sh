# usage: run_recipe.sh SEED RECIPE STRIDE   (the ceiling of one tuning run, oracle at STRIDE)
set -e
W=work_dirs/benchmark_staged/seed$1; D=$W/data/
opts=$(.venv/bin/python -c "import json;print(' '.join(json.load(open('$W/stage2_semiconv_$2/results.json'))['options']))")
OMP_NUM_THREADS=1 .venv/bin/python tools/analysis_tools/gt_boxes.py ceiling configs/semiconv_worms_cpu_finetune.py $W/stage2_semiconv_$2/iter_300.pth --stride $3 --sigmas 4 8 16 32 --offsets 0 0.5 1 2 --out work_dirs/ceiling/seed$1_$2_s$3.json --cfg-options test_dataloader.dataset.data_root=$D test_evaluator.0.ann_file=${D}annotations/val.json $opts
