#!/usr/bin/env bash
# mmdet's dist_train.sh (with torchrun's module, as torch.distributed.launch is deprecated),
# running our tools/train.py (same flags):
#   bash tools/dist_train.sh CONFIG GPUS [train.py args...]
usage="usage: bash $0 CONFIG GPUS [train.py args...]"
for arg in "$@"; do case "$arg" in
    -h|--help) echo "$usage"; echo "The arguments after GPUS go to tools/train.py (see its --help)."; exit 0 ;;
esac; done
if [ "$#" -lt 2 ] || ! [[ "${2}" =~ ^[1-9][0-9]*$ ]]; then
    echo "$usage" >&2
    echo "error: GPUS (argument 2) must be a number of processes per node, got '${2:-}'" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    $(dirname "$0")/train.py \
    $CONFIG \
    --launcher pytorch ${@:3}
