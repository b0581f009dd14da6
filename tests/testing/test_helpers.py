"""mmdet_semiconv.testing: the helpers the suite shares."""
from mmdet_semiconv.testing import load_script, markdown_tables


def test_markdown_tables_reads_every_table_by_its_header():
    text = ('a report\n| model | params |\n|---|---|\n| a | 1.5 |\n| b | 2 |\nafter\n\n'
            '| part |\n|---|\n| eq5 |\n')
    assert markdown_tables(text) == [[{'model': 'a', 'params': '1.5'},
                                      {'model': 'b', 'params': '2'}], [{'part': 'eq5'}]]
    assert markdown_tables('| not | a table |\n') == []


def test_load_script_imports_a_tool_without_touching_sys_path():
    import sys
    before = list(sys.path)
    model_zoo = load_script('tools/model_zoo.py')
    assert callable(model_zoo.render) and sys.path == before
