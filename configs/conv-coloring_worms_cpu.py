# The coloring dilemma's ablation on the worms: Psi = Phi (no u_hat).
_base_ = './semiconv-coloring_worms_cpu.py'

model = dict(mask_head=dict(use_u_hat=False))
