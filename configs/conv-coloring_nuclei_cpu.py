# The coloring dilemma's ablation (section 3.1): the same colouring model with a convolutional
# embedding, Psi = Phi (no u_hat).
_base_ = './semiconv-coloring_nuclei_cpu.py'

model = dict(mask_head=dict(use_u_hat=False))
