"""Masking of private persons on the public site: family name and one *."""

import pytest

from tianyan.public.masking import counterparty, mask_name


@pytest.mark.parametrize(("name", "shown"), [
    ("王小明", "王*"), ("李四", "李*"), ("欧阳娜娜", "欧阳*"), ("司馬相如", "司馬*"), ("欧阳", "欧*"),
    ("王", "*"), ("", "*"), (None, "*"), (" 张 三 ", "张*"), ("买买提·艾力", "买*"),
])
def test_family_name_and_one_star(name, shown):
    assert mask_name(name) == shown


def test_the_given_name_never_shows_nor_its_length():
    for name in ("王一", "王一二", "王一二三四"):
        assert mask_name(name) == "王*"


def test_organisations_by_name_people_masked():
    assert counterparty("ORG", "幸福农业有限公司") == "幸福农业有限公司"
    assert counterparty("PERSON", "欧阳娜娜") == "欧阳*"
    assert counterparty("ORG", None) == "*"
