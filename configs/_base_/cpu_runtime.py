# The runtime of the 300-iteration CPU configs (worms, nuclei, the colouring benchmark): this
# package's default runtime, logged by iteration, one checkpoint at the end, one fixed seed (a
# short CPU run otherwise varies by ~0.05 AP between runs).
_base_ = './default_runtime.py'

default_hooks = dict(logger=dict(interval=25), checkpoint=dict(by_epoch=False, interval=300))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
