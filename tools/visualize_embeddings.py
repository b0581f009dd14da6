"""Draw what a trained model sees in one image: masks, Phi (Fig. 2), Psi (Fig. 5), and the
seed and kernel K of one detection (section 3.5).

    python tools/visualize_embeddings.py IMAGE CONFIG CHECKPOINT [--det 0] [--out vis.png]
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import DictAction

import mmdet_semiconv  # noqa: F401
from mmdet.apis import init_detector
from mmdet.structures.bbox import bbox2roi, scale_boxes
from mmdet_semiconv.utils.cli import finite_float, index, output_file
from mmdet_semiconv.visualization import draw_kernel, draw_result


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--det', type=index, default=0, help='detection (by score) for K')
    parser.add_argument('--score-thr', type=finite_float, default=0.5)
    parser.add_argument('--out', type=output_file, default='vis_embeddings.png')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()

    if not osp.isfile(args.image):
        parser.error(f'image {args.image} does not exist')
    model = init_detector(args.config, args.checkpoint, device=args.device,
                          cfg_options=args.cfg_options)
    if not getattr(model.roi_head, 'with_semiconv', False):
        parser.error(f'{args.config} has no semi-conv branch (roi_head.semiconv_branch), so '
                     'no Phi or Psi to draw: give a semiconv_* config and its checkpoint')
    cfg = model.cfg.test_dataloader.dataset.pipeline
    pipeline = Compose([t for t in cfg if t['type'] != 'LoadAnnotations'])
    data = pipeline(dict(img_path=args.image, img_id=0))
    batch = model.data_preprocessor(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]), False)
    result = model(**batch, mode='predict')[0]
    branch = model.roi_head.semiconv_branch
    x = model.extract_feat(batch['inputs'])
    phis = branch(x)
    phi, psi = phis[0].float(), branch.level_psi(phis[0], 0)
    img = data['inputs'].permute(1, 2, 0).numpy()[..., ::-1]
    h, w = img.shape[:2]
    keep = result.pred_instances.scores > args.score_thr
    masks = result.pred_instances.masks[keep].cpu().numpy()
    draw_result(args.out, np.ascontiguousarray(img), masks, phi[0].cpu().numpy(),
                psi[0].cpu().numpy(), branch.strides[0], branch.coord_scale)
    print(f'wrote {args.out}')

    inst = result.pred_instances
    if len(inst) > args.det:
        # boxes back in the network's input frame, where Psi lives
        box = scale_boxes(inst.bboxes[args.det:args.det + 1],
                          batch['data_samples'][0].scale_factor)
        out = model.roi_head.mask_forward_on_rois(x, phis, bbox2roi([box]),
                                                  inst.labels[args.det:args.det + 1])
        kernel_out = args.out.replace('.png', f'_kernel{args.det}.png')
        draw_kernel(kernel_out, np.ascontiguousarray(img[:h, :w]), box[0].cpu().numpy(),
                    out['log_k'][0].exp().cpu().numpy(),
                    out['mask_preds'][0, inst.labels[args.det]].cpu().numpy())
        print(f'wrote {kernel_out}')
    else:
        print(f'no kernel picture: --det {args.det} asks for a detection beyond the '
              f'{len(inst)} of this image')


if __name__ == '__main__':
    main()
