"""Splitting the project's SQL files into statements (marts, lifecycle, core definitions)."""

from __future__ import annotations

from tianyan.warehouse.sqlfiles import statements


def test_semicolons_in_strings_comments_and_dollar_bodies_do_not_split():
    text = (
        "-- header comment; with a semicolon\n"
        "select 'a;b' as x, e'it''s;' as y;\n"
        "create function f() returns int language sql as $$ select 1; $$;\n"
        "/* block; comment */ select 2\n"
    )
    assert statements(text) == [
        "select 'a;b' as x, e'it''s;' as y",
        "create function f() returns int language sql as $$ select 1; $$",
        "select 2",
    ]


def test_comments_inside_a_statement_are_dropped_so_a_colon_in_them_is_no_bind():
    text = "select 1 -- weighs :w_high\n, 2 /* :as_of */ from t;"
    (stmt,) = statements(text)
    assert ":" not in stmt
    assert stmt.replace("\n", " ").split() == ["select", "1", ",", "2", "from", "t"]


def test_empty_statements_and_a_missing_final_semicolon():
    assert statements(";;\n-- only a comment\n") == []
    assert statements("select 1;\nselect 2") == ["select 1", "select 2"]
