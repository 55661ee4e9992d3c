"""What the public site may show of a private person: the family name followed by one ``*``.

The rule follows local disclosure practice for benefit recipients (民政部《最低生活保障审核确认
办法》 art. 31 and the 惠民惠农 one-card disclosure notices: publish the recipient in a form that
protects personal information, never the id number, bank account or contact). One ``*`` whatever
the length of the given name, so the length is not disclosed either. Compound family names
(欧阳, 司马, ...) keep both characters; a name of a single character, or one that is only a family
name, becomes ``*``; names without a family name (e.g. ``买买提·艾力``) keep their first character.
Organisations are published by their registered name (the enterprise register is public).
"""

from __future__ import annotations

MASK = "*"
_COMPOUND = """
欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 南宫 西门 独孤 百里
呼延 万俟 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 钟离 闾丘 东郭 赫连 拓跋 公羊 左丘 谷梁 第五
歐陽 司馬 諸葛 東方 長孫 軒轅 南宮 西門 獨孤 鍾離 閭丘 東郭 赫連 萬俟 單于
"""
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())


def mask_name(name: object) -> str:
    """A private person's name as the public site shows it."""
    text = "".join(str(name or "").split())  # no whitespace inside a name
    if len(text) <= 1:
        return MASK
    family = text[:2] if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else text[0]
    if family == text:
        return MASK
    return family + MASK


def counterparty(kind: str | None, name: object) -> str:
    """A contract's counterparty: an organisation by name, a person masked, unknown as ``*``."""
    if kind == "ORG" and name:
        return str(name)
    return mask_name(name)
