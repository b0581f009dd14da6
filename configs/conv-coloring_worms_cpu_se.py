# The Psi = Phi ablation of semiconv-coloring_worms_cpu_se.py: the same network, losses and
# decoding without u_hat (section 3.1's convolutional embedding).
_base_ = './semiconv-coloring_worms_cpu_se.py'

model = dict(mask_head=dict(use_u_hat=False))
