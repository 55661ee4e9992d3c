"""QR codes (segno) and printable posters (Pillow) of the public pages.

A code encodes the page's stable address (``PublicSettings.page_url``: base_url and the village or
unit code), so a poster printed once stays valid every day. Error correction level M (15%) keeps a
code readable on a door with some wear; the quiet zone is segno's default 4 modules.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

ERROR = "m"
# Usual locations of a font with Chinese glyphs (Debian/Ubuntu, RHEL, macOS, Windows).
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
A4_150DPI = (1240, 1754)


class PosterFontMissing(RuntimeError):
    pass


def qr(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, micro=False)


def qr_png(url: str, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    qr(url).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


@lru_cache(maxsize=4)
def _font_path(configured: str | None) -> str:
    candidates = [configured] if configured else list(CJK_FONTS)
    for c in candidates:
        if c and Path(c).is_file():
            return c
    raise PosterFontMissing(
        f"no font with Chinese glyphs at {configured!r}" if configured else
        "no font with Chinese glyphs found (install fonts-wqy-microhei or fonts-noto-cjk, or set poster_font "
        "in include/config/public.yaml)")


@lru_cache(maxsize=32)
def _font(configured: str | None, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_font_path(configured), size)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, font, fill, width: int) -> int:
    """Draw text centred on the page, wrapped to the page width; returns the y below it."""
    lines, line = [], ""
    for ch in text:
        if draw.textlength(line + ch, font=font) > width - 160:
            lines.append(line)
            line = ch
        else:
            line += ch
    lines.append(line)
    for ln in lines:
        w = draw.textlength(ln, font=font)
        draw.text(((width - w) / 2, y), ln, font=font, fill=fill)
        y += int(font.size * 1.35)
    return y


def poster_png(title: str, subtitle: str, url: str, lookup_url: str, *, font: str | None = None) -> bytes:
    """An A4 poster (150 dpi) for the office door or the village notice board."""
    width, height = A4_150DPI
    red = (179, 38, 30)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, width, 260], fill=red)
    _centered(draw, 55, "码上监督", _font(font, 120), "white", width)
    y = _centered(draw, 310, title, _font(font, 64), (27, 27, 27), width)
    y = _centered(draw, y + 10, subtitle, _font(font, 40), (85, 85, 85), width)
    code = qr(url)
    side = 820
    scale = max(1, side // code.symbol_size(border=4)[0])
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=scale, border=4)
    qr_img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    img.paste(qr_img, ((width - qr_img.width) // 2, y + 30))
    y += 30 + qr_img.height + 20
    y = _centered(draw, y, "微信或手机相机扫码", _font(font, 48), red, width)
    y = _centered(draw, y + 10, "查看公开信息 · 投诉举报 · 查询办理进度", _font(font, 40), (27, 27, 27), width)
    y = _centered(draw, y + 20, url, _font(font, 30), (85, 85, 85), width)
    _centered(draw, max(y + 20, height - 150), f"凭受理编号查询：{lookup_url}", _font(font, 30), (85, 85, 85), width)
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()
