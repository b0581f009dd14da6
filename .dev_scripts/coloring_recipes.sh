# Named --cfg-options of the benchmark's arms, sourced by coloring_tuning.sh and
# coloring_heldout.sh so that a recipe means the same in both. A recipe applies to the arms it
# is run with (ARMS). Every colouring option beyond `default` is a departure from the paper
# (docs/method.md, "Box-free colouring").
head=model.mask_head
absorb="model.test_cfg.absorb_fragments=True model.test_cfg.min_area=32"
se="$head.phi_stride=1 $head.loss_kernel.type=LovaszKernelLoss $head.kernel.form=gaussian \
$head.pixel_sigma=True $head.anisotropic_sigma=True $head.sigma_gain=10. $head.seed_fg_weight=10. \
model.test_cfg.refine_centre=True model.test_cfg.min_unclaimed=0.5 model.test_cfg.overlap=True"
declare -A recipes=(
  [default]=""                                     # the committed config: the paper's decoding
  [absorb]="$absorb"                               # fragments join their nearest seed's mask
  [stride1]="$head.phi_stride=1"                   # Psi and the maps at full resolution
  [stride1_absorb]="$head.phi_stride=1 $absorb"
  [absorb_overlap]="$absorb model.test_cfg.overlap=True"  # worms: crossings in two masks
  [stride1_absorb_overlap]="$head.phi_stride=1 $absorb model.test_cfg.overlap=True"
  # added after the freeze: the frozen recipes plus a bandwidth per instance (pixel_sigma,
  # SpatialEmbeddings' departure), a one-factor ablation on the tuning seeds
  [stride1_absorb_pixsigma]="$head.phi_stride=1 $absorb $head.pixel_sigma=True"
  [stride1_absorb_overlap_pixsigma]="$head.phi_stride=1 $absorb model.test_cfg.overlap=True $head.pixel_sigma=True"
  # issue 37, the successors' training signal (docs/method.md, "Box-free colouring"):
  # SpatialEmbeddings' Lovász hinge per instance on 2K-1, its Gaussian kernel, an anisotropic
  # bandwidth per instance with EmbedSeg's exp(10 s) and smoothness term, the seed map's
  # foreground weight 10, stride 1, and decoding from a refined centre keeping a proposal only
  # if over half of it is unclaimed (EmbedSeg), crossings in two masks; then one factor at a
  # time: the paper's Laplacian, the GT medoid and the GT centroid as the centre
  [se]="$se"
  [se_laplacian]="$se $head.kernel.form=laplacian"
  [se_medoid]="$se $head.centre=medoid"
  [se_centroid]="$se $head.centre=centroid"
  # issue 37, the baselines' tuning recipes (Mask R-CNN, SOLOv2): the same number of recipes
  # as the colouring model gets on seeds 300/301 (four: `default` and three), on the knob that
  # decides a 300-iteration run from scratch, the AdamW learning rate (committed: 1e-3)
  [lr_half]="optim_wrapper.optimizer.lr=5e-4"
  [lr2x]="optim_wrapper.optimizer.lr=2e-3"
  [lr4x]="optim_wrapper.optimizer.lr=4e-3"
)

# run_recipe SET RECIPE SEED... with ARMS (default: semiconv) in the environment
run_recipe() {
  local set_name=$1 recipe=$2
  shift 2
  [[ -v recipes[$recipe] ]] || { echo "unknown recipe $recipe: ${!recipes[*]}" >&2; return 2; }
  # shellcheck disable=SC2086
  python .dev_scripts/benchmark_coloring.py --sets "$set_name" --seeds "$@" \
    --arms ${ARMS:-semiconv} --recipe "$recipe" ${recipes[$recipe]:+--options ${recipes[$recipe]}}
}
