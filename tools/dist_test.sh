#!/usr/bin/env bash
# mmdet's dist_test.sh, running our tools/test.py (same flags):
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
usage="usage: bash $0 CONFIG CHECKPOINT GPUS [test.py args...]"
for arg in "$@"; do case "$arg" in
    -h|--help) echo "$usage"; echo "The arguments after GPUS go to tools/test.py (see its --help)."; exit 0 ;;
esac; done
if [ "$#" -lt 3 ] || ! [[ "${3}" =~ ^[1-9][0-9]*$ ]]; then
    echo "$usage" >&2
    echo "error: GPUS (argument 3) must be a number of processes per node, got '${3:-}'" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
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
    $(dirname "$0")/test.py \
    $CONFIG \
    $CHECKPOINT \
    --launcher pytorch \
    ${@:4}
