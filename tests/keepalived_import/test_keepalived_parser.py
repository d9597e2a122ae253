"""keepalived.conf syntax: comments, quotes, braces, includes, pre-processor lines, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrrpd.keepalived_import.parser import Node, ParseError, parse_file, parse_text


def shape(nodes: list[Node]) -> list:
    """Nodes as nested [keyword, args, children] lists, to compare whole trees."""
    return [
        [n.keyword, n.args] + ([shape(n.children)] if n.children is not None else []) for n in nodes
    ]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_comments_start_anywhere_outside_quotes():
    parsed = parse_text(
        "! a comment line\n"
        "# another\n"
        "priority 100 # trailing\n"
        "advert_int 1! also trailing\n"
        'script "/bin/check #1 !x"   # the quoted # stays\n'
        "auth_pass se\\#cret\n"
    )
    assert shape(parsed.nodes) == [
        ["priority", ["100"]],
        ["advert_int", ["1"]],
        ["script", ["/bin/check #1 !x"]],
        ["auth_pass", ["se#cret"]],
    ]
    assert parsed.nodes[2].quoted == (True,)
    assert parsed.nodes[0].quoted == (False,)


def test_blocks_open_on_the_same_line_the_next_line_or_inline():
    parsed = parse_text(
        "vrrp_instance VI_1 {\n"
        "  virtual_ipaddress\n"
        "  {\n"
        "    192.0.2.1/24 label eth0:1\n"
        "  }\n"
        "  track_script { chk_a chk_b }\n"
        "}\n"
        "vrrp_sync_group G {group{VI_1 VI_2}}\n"
    )
    assert shape(parsed.nodes) == [
        [
            "vrrp_instance",
            ["VI_1"],
            [
                ["virtual_ipaddress", [], [["192.0.2.1/24", ["label", "eth0:1"]]]],
                ["track_script", [], [["chk_a", ["chk_b"]]]],
            ],
        ],
        ["vrrp_sync_group", ["G"], [["group", [], [["VI_1", ["VI_2"]]]]]],
    ]


def test_line_numbers_follow_the_source():
    parsed = parse_text("\n\nglobal_defs {\n\n   router_id a\n}\n", "k.conf")
    (defs,) = parsed.nodes
    assert (defs.file, defs.line) == ("k.conf", 3)
    assert defs.children[0].line == 5


def test_includes_are_relative_to_the_including_file_sorted_and_spliced(tmp_path):
    text = "global_defs {\n include defs/*.conf\n}\ninclude one.conf\n"
    main = write(tmp_path, "main.conf", text)
    write(tmp_path, "defs/b.conf", "router_id b\n")
    write(tmp_path, "defs/a.conf", "vrrp_version 3\n")
    write(tmp_path, "one.conf", "include sub/two.conf\n")
    write(tmp_path, "sub/two.conf", "vrrp_script s {\n interval 2\n}\n")
    (tmp_path / "defs" / "dir.conf").mkdir()  # a directory matching the glob is skipped
    parsed = parse_file(str(main))
    assert shape(parsed.nodes) == [
        ["global_defs", [], [["vrrp_version", ["3"]], ["router_id", ["b"]]]],
        ["vrrp_script", ["s"], [["interval", ["2"]]]],
    ]
    assert parsed.nodes[1].file == str(tmp_path / "sub" / "two.conf")
    assert [Path(f).name for f in parsed.files] == [
        "main.conf",
        "a.conf",
        "b.conf",
        "one.conf",
        "two.conf",
    ]
    assert parsed.notes == []


def test_an_include_matching_nothing_is_noted_and_skipped(tmp_path):
    main = write(tmp_path, "k.conf", "include conf.d/*.conf\ninclude missing.conf\npriority 1\n")
    parsed = parse_file(str(main))
    assert shape(parsed.nodes) == [["priority", ["1"]]]
    assert [n.render() for n in parsed.notes] == [
        f"{main}:1: include: not converted (no file matches 'conf.d/*.conf')",
        f"{main}:2: include: not converted (no file matches 'missing.conf')",
    ]


def test_an_include_loop_is_an_error(tmp_path):
    write(tmp_path, "a.conf", "include b.conf\n")
    write(tmp_path, "b.conf", "\ninclude a.conf\n")
    with pytest.raises(ParseError) as caught:
        parse_file(str(tmp_path / "a.conf"))
    assert str(caught.value).startswith(f"{tmp_path / 'b.conf'}:2: include: ")
    assert "loop" in str(caught.value)


def test_preprocessor_lines_are_noted_not_converted():
    parsed = parse_text(
        "@high priority 150\n@^low priority 50\n$IF=eth0\n~SEQ(n,1,3) x\ninterface eth0\n", "k.conf"
    )
    assert shape(parsed.nodes) == [["interface", ["eth0"]]]
    assert [(n.line, n.keyword) for n in parsed.notes] == [
        (1, "@high"),
        (2, "@^low"),
        (3, "$IF"),
        (4, "~SEQ"),
    ]
    assert all("not converted" in n.message for n in parsed.notes)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("vrrp_instance VI_1 {\n  interface eth0\n", 1, "'{' is never closed"),
        ("a {\n}\n}\n", 3, "'}' without a matching '{'"),
        ('script "/bin/true\n', 1, "unterminated quote"),
        ("\n{\n  x\n}\n", 2, "'{' without a keyword"),
        ("a {\n}\n{\n}\n", 3, "'{' without a keyword"),
    ],
)
def test_syntax_errors_name_file_and_line(text, line, message):
    with pytest.raises(ParseError) as caught:
        parse_text(text, "bad.conf")
    assert str(caught.value).startswith(f"bad.conf:{line}: {message}")


def test_unreadable_and_non_utf8_files_are_errors(tmp_path):
    with pytest.raises(ParseError) as caught:
        parse_file(str(tmp_path / "absent.conf"))
    absent = tmp_path / "absent.conf"
    assert str(caught.value) == f"{absent}: cannot read: No such file or directory"
    latin = tmp_path / "latin.conf"
    latin.write_bytes(b"router_id a\nrouter_id caf\xe9\n")
    with pytest.raises(ParseError) as caught:
        parse_file(str(latin))
    assert str(caught.value) == f"{latin}:2: not UTF-8 text"


def test_a_non_utf8_included_file_names_itself(tmp_path):
    main = write(tmp_path, "k.conf", "\ninclude sub.conf\n")
    (tmp_path / "sub.conf").write_bytes(b"\xff\xfe")
    with pytest.raises(ParseError) as caught:
        parse_file(str(main))
    assert str(caught.value) == f"{tmp_path / 'sub.conf'}:1: not UTF-8 text"


def test_an_included_file_that_cannot_be_opened_is_reported_at_the_include(tmp_path):
    main = write(tmp_path, "k.conf", "\ninclude dangling.conf\n")
    (tmp_path / "dangling.conf").symlink_to(tmp_path / "nowhere.conf")
    with pytest.raises(ParseError) as caught:
        parse_file(str(main))
    assert str(caught.value) == (
        f"{main}:2: include: cannot read {tmp_path / 'dangling.conf'}: No such file or directory"
    )


def test_parse_errors_in_included_files_carry_their_own_name(tmp_path):
    main = write(tmp_path, "k.conf", "global_defs {\n}\ninclude part.conf\n")
    write(tmp_path, "part.conf", "\n\nvrrp_instance X {\n")
    with pytest.raises(ParseError) as caught:
        parse_file(str(main))
    assert str(caught.value).startswith(f"{tmp_path / 'part.conf'}:3: '{{' is never closed")
