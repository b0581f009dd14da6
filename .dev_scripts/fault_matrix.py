"""The bad-input and fault matrix of issue 26, rerun: case -> the regression tests that
reproduce it -> verdict, as a markdown table.

    python .dev_scripts/fault_matrix.py            # run every case's tests (about 5 min)
    python .dev_scripts/fault_matrix.py --check    # only check that every named test exists

Each case is the input a careless or hostile user gave (issue 26 lists them); its tests feed
that input and assert the named refusal, the count warned about, or that nothing is lost. A
case's verdict is ``holds`` when all its tests pass, ``FAILS`` when one fails, ``missing``
when a test it names no longer exists (renamed: fix the table). The exit status is 0 only if
every case holds.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from typing import Dict, List, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: (kind, case, tests): a test is ``file::function``, optionally ``[part of the param id]``
CASES: List[Tuple[str, str, List[str]]] = [
    ('data lost', 'generate_synthetic --out over a folder of the user\'s own files', [
        'tests/datasets/test_synthetic.py::test_the_generator_never_replaces_a_users_files',
        'tests/datasets/test_synthetic.py::test_the_generator_replaces_its_own_output']),
    ('data lost', 'gt_boxes (diagnose/ceiling) --out killed while writing over a result', [
        'tests/utils/test_cli.py::test_a_write_stopped_midway_leaves_the_old_result_whole']),
    ('data lost', 'test.py --out results.pkl replaced whole (through a partial file)', [
        'tests/tools/test_train_test_tools.py::test_tools_train_then_test']),
    ('data lost', 'VOC converter killed between its two json writes', [
        'tests/datasets/test_coco_io.py::'
        'test_a_set_stopped_while_moving_in_never_mixes_old_and_new',
        'tests/datasets/converters/test_voc.py::test_the_cli_writes_no_split_when_one_fails']),
    ('data lost', 'a second training in the same work dir; a fresh run over last_checkpoint', [
        'tests/engine/hooks/test_work_dir_guard_hook.py::'
        'test_a_second_live_training_in_the_same_work_dir_is_refused',
        'tests/engine/hooks/test_work_dir_guard_hook.py::'
        'test_a_fresh_run_over_an_earlier_runs_checkpoints_is_refused']),
    ('annotations', 'NaN/inf polygon coordinates (pycocotools segfault)', [
        'tests/datasets/test_coco_checks.py::'
        'test_a_file_mmdet_would_misread_is_refused_naming_what_and_where[path4-',
        'tests/datasets/test_checked_coco_dataset.py::'
        'test_a_bad_annotation_is_refused_when_the_dataset_is_built']),
    ('annotations', 'an inf box trained on, a NaN box dropped', [
        'tests/datasets/test_coco_checks.py::'
        'test_a_file_mmdet_would_misread_is_refused_naming_what_and_where[path2-',
        'tests/datasets/test_coco_checks.py::'
        'test_a_file_mmdet_would_misread_is_refused_naming_what_and_where[path3-']),
    ('annotations', 'duplicate image ids; duplicate annotation ids (mmdet\'s message kept)', [
        'tests/datasets/test_coco_checks.py::'
        'test_a_file_mmdet_would_misread_is_refused_naming_what_and_where[path1-',
        'tests/datasets/test_checked_coco_dataset.py::'
        'test_mmdets_own_assertion_is_shown_with_the_file']),
    ('annotations', 'every box degenerate or outside the image; some of them', [
        'tests/datasets/test_coco_checks.py::'
        'test_every_box_skipped_is_refused_and_some_skipped_are_warned_about',
        'tests/datasets/test_coco_checks.py::test_many_problems_are_counted_not_all_listed']),
    ('annotations', 'RLE of another size than its image', [
        'tests/datasets/test_coco_checks.py::'
        'test_a_file_mmdet_would_misread_is_refused_naming_what_and_where[path7-']),
    ('annotations', 'polygon under 3 points, [[]], all-zero RLE, unknown category or image', [
        'tests/datasets/test_coco_checks.py::'
        f'test_a_file_mmdet_would_misread_is_refused_naming_what_and_where[path{i}-'
        for i in (5, 6, 8, 9, 10)]),
    ('annotations', 'no "images", empty "images", not JSON, an image of another size', [
        'tests/datasets/test_coco_checks.py::'
        'test_a_file_mmdet_would_misread_is_refused_naming_what_and_where[path0-',
        'tests/datasets/test_checked_coco_dataset.py::test_a_file_that_is_not_coco_json_is_named',
        'tests/datasets/test_checked_coco_dataset.py::'
        'test_an_image_that_is_missing_or_of_another_size_is_named_at_build']),
    ('annotations', 'an annotation without a mask when masks are loaded', [
        'tests/datasets/test_checked_coco_dataset.py::'
        'test_an_annotation_without_a_mask_is_refused_when_masks_are_loaded']),
    ('annotations', 'a missing image or a truncated PNG/JPEG, found at build', [
        'tests/datasets/test_checked_coco_dataset.py::'
        'test_an_image_that_is_missing_or_of_another_size_is_named_at_build',
        'tests/datasets/test_checked_coco_dataset.py::test_a_truncated_image_is_named_at_build']),
    ('config', 'loss_weight=nan, sigma=nan, a NaN loss during training', [
        'tests/models/losses/test_semiconv_embedding_loss.py::'
        'test_a_negative_or_non_finite_weight_is_refused',
        'tests/models/layers/test_steered_bilateral_kernel.py::test_rejects_bad_arguments',
        'tests/engine/hooks/test_non_finite_loss_hook.py::'
        'test_a_nan_loss_stops_training_naming_the_iteration_and_the_term']),
    ('config', 'coord_scale=inf (u_hat zero: a plain convolution)', [
        'tests/models/roi_heads/test_semiconv_embedding_branch.py::test_bad_geometry_is_refused']),
    ('config', 'kernel_weight=-1, logk_offset=True', [
        'tests/models/roi_heads/mask_heads/test_semiconv_mask_head.py::'
        'test_bad_settings_are_refused']),
    ('config', 'boundary_band=1.5, repulsion_weight without margin, levels=[-1] (now the '
     "branch's loss_levels)", [
        'tests/models/losses/test_semiconv_embedding_loss.py::'
        'test_a_setting_that_would_be_silently_ignored_or_fail_later_is_refused',
        'tests/models/roi_heads/test_semiconv_embedding_branch.py::'
        'test_loss_levels_are_checked_when_built']),
    ('checkpoint', 'a branch of other shapes at test time; at stage 2', [
        'tests/models/roi_heads/test_semiconv_roi_head.py::'
        'test_a_checkpoint_whose_branch_has_other_shapes_is_refused',
        'tests/engine/hooks/test_semiconv_finetune_hook.py::'
        'test_stage2_refuses_a_checkpoint_with_other_shapes']),
    ('checkpoint', 'timeit, commands.call (protocol 2), os.system and numpy.memmap payloads, '
     'raw protocol-5 pickles: refused with no advice to trust them', [
         'tests/utils/test_checkpoint.py::test_code_running_payloads_are_refused_in_any_spelling',
         'tests/utils/test_checkpoint.py::test_a_payload_is_refused_without_advice_to_trust_it',
         'tests/utils/test_checkpoint.py::'
         'test_an_unreadable_pickle_is_not_answered_with_torchs_advice',
         'tests/utils/test_remote_checkpoints.py::'
         'test_a_crafted_checkpoint_is_refused_and_its_payload_never_runs']),
    ('checkpoint', 'a hash mismatch (no `mim download` advice)', [
        'tests/tools/test_model_zoo.py::test_hash_in_the_name_is_checked_on_load',
        'tests/utils/test_remote_checkpoints.py::'
        'test_a_download_whose_hash_prefix_does_not_match_is_refused']),
    ('tools', 'visualize_embeddings on a Mask R-CNN, --det -1 / out of range', [
        'tests/tools/test_visualize_embeddings.py::test_embedding_pictures_and_refusals']),
    ('tools', 'gt_boxes ceiling --sigmas 0/-4/nan, --offsets inf, --out a folder; bad sizes', [
        'tests/utils/test_cli.py::test_ceiling_refuses_bad_flags_before_building_anything',
        'tests/utils/test_cli.py::test_bad_numbers_are_refused',
        'tests/utils/test_cli.py::test_an_output_file_is_not_a_folder_and_can_be_written']),
    ('tools', 'bbbc010 --train-wells naming a missing file', [
        'tests/tools/dataset_converters/test_bbbc010_to_coco.py::'
        'test_bbbc010_train_wells_that_cannot_be_read_are_named']),
    ('tools', 'generator settings with no instance, a negative dot radius', [
        'tests/datasets/test_synthetic.py::test_settings_that_draw_no_instance_write_nothing',
        'tests/datasets/test_synthetic.py::test_the_generator_refuses_settings_that_give_no_data',
        'tests/datasets/test_synthetic.py::test_dot_grid_config_refuses_impossible_settings']),
    ('tools', 'VOC converter: an output name that is a folder', [
        'tests/datasets/converters/test_voc.py::'
        'test_the_cli_refuses_an_output_name_that_is_a_folder_before_converting']),
    ('tools', 'a dataloader worker outliving its SIGKILLed training', [
        'tests/engine/hooks/test_worker_guard_hook.py::'
        'test_forked_child_dies_with_killed_parent']),
]


def _split(test: str) -> Tuple[str, str, str]:
    """``file::function[param`` -> (file, function, param prefix)."""
    path, _, name = test.partition('::')
    function, _, param = name.partition('[')
    return path, function, param


def _outcomes(junit_xml: str) -> Dict[Tuple[str, str], str]:
    """(file, test name with its param id) -> 'passed' / 'failed' / 'skipped'."""
    results = {}
    for case in ET.parse(junit_xml).iter('testcase'):
        path = case.get('classname').replace('.', '/') + '.py'
        outcome = 'passed'
        for child in case:
            if child.tag in ('failure', 'error'):
                outcome = 'failed'
            elif child.tag == 'skipped':
                outcome = 'skipped'
        results[(path, case.get('name'))] = outcome
    return results


def _collected(files: List[str]) -> Dict[Tuple[str, str], str]:
    out = subprocess.run([sys.executable, '-m', 'pytest', '--collect-only', '-q',
                          '-p', 'no:cacheprovider', *files], cwd=REPO, capture_output=True,
                         text=True)
    ids = [line for line in out.stdout.splitlines() if '::' in line]
    return {tuple(i.split('::', 1)): 'collected' for i in ids}


def _verdict(tests: List[str], results: Dict[Tuple[str, str], str]) -> str:
    verdicts = []
    for test in tests:
        path, function, param = _split(test)
        hits = [outcome for (p, name), outcome in results.items()
                if p == path and (name == function or name.startswith(f'{function}[{param}'))]
        if not hits:
            return 'missing'
        verdicts += hits
    if 'failed' in verdicts:
        return 'FAILS'
    return 'skipped here' if 'skipped' in verdicts else 'holds'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='only check that every test the table names exists')
    args = parser.parse_args(argv)
    files = sorted({_split(t)[0] for _, _, tests in CASES for t in tests})
    if args.check:
        results = _collected(files)
    else:
        nodes = sorted({'::'.join(_split(t)[:2]) for _, _, tests in CASES for t in tests})
        with tempfile.TemporaryDirectory() as tmp:
            junit = osp.join(tmp, 'junit.xml')
            subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                            f'--junitxml={junit}', *nodes], cwd=REPO,
                           env=dict(os.environ, PYTHONPATH=REPO), stdout=sys.stderr)
            results = _outcomes(junit)
    print('| # | kind | case | verdict | tests |')
    print('| --- | --- | --- | --- | --- |')
    bad = 0
    for i, (kind, case, tests) in enumerate(CASES, 1):
        verdict = _verdict(tests, results)
        if args.check and verdict == 'holds':
            verdict = 'exists'
        bad += verdict in ('FAILS', 'missing')
        names = '<br>'.join(f'`{f}[{p}...]`' if p else f'`{f}`'
                            for f, p in (_split(t)[1:] for t in tests))
        print(f'| {i} | {kind} | {case} | {verdict} | {names} |')
    print(f'\n{len(CASES) - bad} of {len(CASES)} cases hold' if not args.check else
          f'\n{len(CASES) - bad} of {len(CASES)} cases name only existing tests')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
