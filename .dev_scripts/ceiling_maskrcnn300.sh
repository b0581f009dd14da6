set -e
for st in 4 1; do for bg in zero nearest; do
OMP_NUM_THREADS=1 .venv/bin/python tools/analysis_tools/gt_boxes.py ceiling configs/mask-rcnn_worms_cpu_finetune.py work_dirs/benchmark_staged/seed300/stage2_maskrcnn_default/iter_300.pth --stride $st --background $bg --sigmas 4 8 16 32 --offsets 0 0.5 1 2 --out work_dirs/ceiling/seed300_maskrcnn_s${st}_${bg}.json --cfg-options test_dataloader.dataset.data_root=work_dirs/benchmark_staged/seed300/data/ test_evaluator.0.ann_file=work_dirs/benchmark_staged/seed300/data/annotations/val.json
done; done
