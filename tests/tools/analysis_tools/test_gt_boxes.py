"""tools/analysis_tools/gt_boxes.py: one CLI, two analyses, the same loading and --out."""
import json

from mmdet_semiconv.testing import load_script

gt_boxes = load_script('tools/analysis_tools/gt_boxes.py')


def test_both_analyses_print_and_write_their_numbers(tiny_trained, tmp_path, capsys):
    config, _, ckpt = tiny_trained
    diag = tmp_path / 'diag.json'
    gt_boxes.main(['diagnose', config, ckpt, '--out', str(diag)])
    written = json.loads(diag.read_text())
    assert capsys.readouterr().out.rstrip().endswith(json.dumps(written, indent=1))
    assert {'gt_boxes/segm_mAP', 'sigma_px', 'logk_own'} <= set(written)
    ceiling = tmp_path / 'ceiling.json'
    gt_boxes.main(['ceiling', config, ckpt, '--stride', '2', '--sigmas', '8', '--out',
                   str(ceiling)])
    written = json.loads(ceiling.read_text())
    assert 'oracle/sigma=8/segm_mAP' in written and 'learned/sigma_px' in written
