"""One column resolver for every loader: the user's mapping first, then aliases, once."""

from __future__ import annotations

import re

import pytest

from concerted import load_log
from concerted.columns import check_mapping, find_column, resolve_columns
from concerted.errors import ParameterError, SchemaError
from concerted.lenses.signups import load_registrations

ALIASES = {"actor": ("actor", "user", "author"), "object": ("object", "url"), "time": ("time",)}


def resolve(columns, **options):
    options = {
        "canonical": ("actor", "object", "time"),
        "aliases": ALIASES,
        "mapping": {},
    } | options
    return resolve_columns(columns, name="posts.csv", **options)


def test_resolve_columns_mapping_first_then_aliases_in_order():
    assert resolve(["Author", "User", "url", "ts"], mapping={"time": "ts"}) == {
        "time": "ts",
        "actor": "User",
        "object": "url",
    }


def test_resolve_columns_uses_a_column_once():
    # "user" is mapped to the object, so the actor falls back to the next alias.
    assert resolve(["user", "author"], mapping={"object": "user"}) == {
        "object": "user",
        "actor": "author",
    }


def test_resolve_columns_claimed_columns_are_not_aliased():
    assert resolve(["user", "url"], claimed={"url": "--object-columns"}) == {"actor": "user"}


def test_resolve_columns_refuses_a_mapped_column_the_file_lacks():
    message = (
        "posts.csv has no column 'who' (asked for by --map actor=who). Its columns are: user, url."
    )
    with pytest.raises(SchemaError, match=re.escape(message)):
        resolve(["user", "url", "__row"], mapping={"actor": "who"})


def test_resolve_columns_row_numbers_are_not_a_column():
    with pytest.raises(SchemaError, match="has no column '__row'"):
        resolve(["user", "__row"], mapping={"actor": "__row"})


def test_resolve_columns_refuses_a_claimed_column_the_file_lacks():
    with pytest.raises(SchemaError, match=r"no column 'tag' \(asked for by --object-columns\)"):
        resolve(["user"], claimed={"tag": "--object-columns"})


def test_resolve_columns_names_the_required_column_and_the_fix():
    message = "posts.csv has no 'time' column. Map one with --map time=created_at (its columns are: user)."
    with pytest.raises(SchemaError, match=re.escape(message)):
        resolve(["user"], required={"actor": "account_id", "time": "created_at"})


def test_check_mapping_refuses_an_unknown_name():
    with pytest.raises(ParameterError, match=r"'who' is not a thing\. Map one of: actor, time\."):
        check_mapping({"who": "x"}, ("actor", "time"), kind="a thing")


def test_find_column_is_case_insensitive_and_ordered():
    assert find_column(["Surname", "FIRST_NAME"], ("first_name", "surname")) == "FIRST_NAME"
    assert find_column(["a", "__row"], ("__row",)) is None


def test_both_loaders_refuse_a_missing_mapped_column_alike(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("actor,object,time,email\na1,x,0,a@example.org\n")
    shown = f"{path} has no column 'nope' (asked for by --map time=nope). Its columns are: actor, object, time, email."
    with pytest.raises(SchemaError) as actions:
        load_log(path, mapping={"time": "nope"})
    with pytest.raises(SchemaError) as registrations:
        load_registrations(path, mapping={"time": "nope"})
    assert str(actions.value) == str(registrations.value) == shown
