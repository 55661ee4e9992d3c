"""Geography, people and households, public units and officials, deaths, custody, marriages.

Background households get a class that keeps the supervision rules silent on background data:
POOR households are the only ones in welfare programmes (no cars over the thresholds, no real
estate, no enterprises, low wages, nobody dies or goes to custody); OFFICIAL households hold every
official and their declared relatives (no welfare, no enterprise roles, no collective deals);
NORMAL households carry the economy (enterprises, wealth, deaths, custody)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tianyan.synth.core import Ctx
from tianyan.synth.ids import id18_vec, uscc_vec

NORMAL, POOR, OFFICIAL = 0, 1, 2
NEVER = 10**6  # "no date" sentinel for offsets (e.g. not dead)
RELS = np.array(["HEAD", "SPOUSE", "CHILD", "PARENT"], dtype=object)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌辉海波鹏宇浩晨阳欣怡")

DISTRICT_UNITS = [
    ("区委", "PARTY"), ("区人民政府", "GOVERNMENT"), ("民政局", "GOVERNMENT"), ("财政局", "GOVERNMENT"),
    ("人力资源和社会保障局", "GOVERNMENT"), ("卫生健康局", "GOVERNMENT"), ("教育局", "GOVERNMENT"),
    ("交通运输局", "GOVERNMENT"), ("农业农村局", "GOVERNMENT"), ("住房和城乡建设局", "GOVERNMENT"),
    ("应急管理局", "GOVERNMENT"), ("自然资源局", "GOVERNMENT"), ("区人民医院", "PUBLIC_INSTITUTION"),
    ("区第一中学", "PUBLIC_INSTITUTION"),
]
CIVIL_AFFAIRS_UNIT = 2


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)]
    g2 = np.array(GIVEN + [""] * 10, dtype=object)[rng.integers(0, len(GIVEN) + 10, n)]
    return s + g1 + g2


@dataclass
class City:
    districts: list[str]
    vil_code: np.ndarray
    vil_district: np.ndarray
    vil_town: np.ndarray
    vil_urban: np.ndarray
    town_code: np.ndarray
    town_district: np.ndarray
    hh_id: np.ndarray
    hh_village: np.ndarray
    hh_class: np.ndarray
    hh_start: np.ndarray
    hh_size: np.ndarray
    pid: np.ndarray
    pname: np.ndarray
    birth: np.ndarray
    male: np.ndarray
    hh: np.ndarray
    rel: np.ndarray
    dead: np.ndarray
    moved: np.ndarray
    custody: np.ndarray
    unit_code: np.ndarray
    unit_name: np.ndarray
    unit_kind: np.ndarray
    unit_parent: np.ndarray
    unit_region: np.ndarray
    unit_district: np.ndarray
    district_units: np.ndarray  # [district, DISTRICT_UNITS index] -> unit index
    town_unit: np.ndarray
    village_unit: np.ndarray
    apt_person: np.ndarray
    apt_unit: np.ndarray
    apt_rank: np.ndarray
    apt_leader: np.ndarray
    apt_start: np.ndarray
    apt_end: np.ndarray  # NEVER = open

    @property
    def n(self) -> int:
        return len(self.pid)

    def age(self, off=0) -> np.ndarray:
        return ((off - self.birth) // 365.25).astype(np.int64)

    @property
    def village(self) -> np.ndarray:
        return self.hh_village[self.hh]

    @property
    def cls(self) -> np.ndarray:
        return self.hh_class[self.hh]

    def region(self, persons) -> np.ndarray:
        return self.vil_code[self.hh_village[self.hh[persons]]]

    def district6(self, persons) -> np.ndarray:
        return np.array(self.districts, dtype=object)[self.vil_district[self.hh_village[self.hh[persons]]]]

    def alive_all(self) -> np.ndarray:
        """Alive, registered here and free for the whole window (background programme eligibility)."""
        return (self.dead == NEVER) & ~self.moved & ~self.custody


def build_geography(ctx: Ctx) -> dict:
    n = ctx.residents
    n_d = int(np.clip(n // 200_000 + 2, 2, 8))
    towns_per = 3 if n < 300_000 else 6
    n_v = max(30, n // 800)
    vil_per_town = int(np.ceil(n_v / (n_d * towns_per)))
    # Counties whose codes python-stdnum accepts for every birth year (Qiandongnan, Guizhou).
    districts = [f"5226{22 + i:02d}" for i in range(n_d)]
    town_code, town_district, vil_code, vil_district, vil_town, vil_urban = [], [], [], [], [], []
    for d, dc in enumerate(districts):
        for t in range(towns_per):
            ti = len(town_code)
            town_code.append(f"{dc}{t + 1:03d}000")
            town_district.append(d)
            for v in range(vil_per_town):
                vil_code.append(f"{dc}{t + 1:03d}{v + 1:03d}")
                vil_district.append(d)
                vil_town.append(ti)
                vil_urban.append(t == 0)  # the first town of each district is the urban sub-district
    return dict(
        districts=districts, town_code=np.array(town_code, dtype=object), town_district=np.array(town_district),
        vil_code=np.array(vil_code, dtype=object), vil_district=np.array(vil_district),
        vil_town=np.array(vil_town), vil_urban=np.array(vil_urban),
    )


def build_people(ctx: Ctx, geo: dict) -> dict:
    rng, cal, n = ctx.rng, ctx.cal, ctx.residents
    sizes = rng.choice(np.arange(1, 7), size=n, p=[0.16, 0.26, 0.25, 0.19, 0.09, 0.05])
    cut = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:cut]
    sizes[-1] -= sizes.sum() - n
    n_h = len(sizes)
    hh = np.repeat(np.arange(n_h), sizes)
    starts = np.cumsum(sizes) - sizes
    pos = np.arange(n) - starts[hh]
    size_p = sizes[hh]
    married = (rng.random(n_h) < 0.82) & (sizes >= 2)
    rel = np.full(n, 2, dtype=np.int64)  # CHILD
    rel[pos == 0] = 0
    rel[(pos == 1) & married[hh]] = 1
    rel[(size_p >= 5) & (pos == size_p - 1)] = 3
    head_age = 22 + rng.beta(2.0, 2.2, n_h) * 63
    ha = head_age[hh]
    age = np.where(rel == 0, ha, 0.0)
    age = np.where(rel == 1, np.clip(ha + rng.integers(-4, 5, n), 20, 99), age)
    child = ha - 20 - rng.uniform(2, 20, n)
    age = np.where(rel == 2, np.where(child < 0, rng.uniform(0, 6, n), child), age)
    age = np.where(rel == 3, np.clip(ha + rng.uniform(22, 32, n), 0, 99), age)
    birth = -(age * 365.25).astype(np.int64) - rng.integers(1, 360, n)
    male = rng.random(n) < 0.5
    male = np.where(rel == 1, ~np.repeat(male[starts], sizes), male)
    hh_village = rng.integers(0, len(geo["vil_code"]), n_h)
    # id18: region of the household's district, birth date, gender-parity sequence unique per group
    prefix = np.array([int(d) for d in geo["districts"]])[geo["vil_district"][hh_village[hh]]]
    ymd = cal.ymd_int[cal.idx(birth)]
    grp = pd.DataFrame({"p": prefix, "y": ymd, "m": male})
    rank = grp.groupby(["p", "y", "m"], sort=False).cumcount().to_numpy()
    seq = 2 * rank + np.where(male, 1, 2)
    if seq.max() >= 900:  # 900-999 are reserved for planted persons
        raise RuntimeError("too many residents per birth date; widen the district table")
    pid = id18_vec(prefix, ymd, seq)
    hh_class = np.where(rng.random(n_h) < 0.05, POOR, NORMAL)
    hh_start = np.maximum(birth[starts], -rng.integers(800, 12000, n_h))
    return dict(
        hh_id=np.char.mod("H%010d", np.arange(n_h)).astype(object), hh_village=hh_village,
        hh_class=hh_class, hh_size=sizes, hh_start=hh_start, pid=pid, pname=names(rng, n), birth=birth,
        male=male, hh=hh, rel=RELS[rel],
    )


def build_units(ctx: Ctx, geo: dict) -> dict:
    rows = []  # (name, kind, parent, region, district)
    n_d = len(geo["districts"])
    district_units = np.zeros((n_d, len(DISTRICT_UNITS)), dtype=np.int64)
    for d, dc in enumerate(geo["districts"]):
        base = len(rows)
        for k, (nm, kind) in enumerate(DISTRICT_UNITS):
            district_units[d, k] = len(rows)
            parent = -1 if k == 0 else base if k == 1 else base + 1  # bureaus report to the government
            rows.append((f"{dc}{nm}", kind, parent, f"{dc}000000", d))
    town_unit = np.zeros(len(geo["town_code"]), dtype=np.int64)
    for t, tc in enumerate(geo["town_code"]):
        d = geo["town_district"][t]
        town_unit[t] = len(rows)
        rows.append((f"{tc[:9]}镇人民政府", "TOWNSHIP", district_units[d, 1], tc, d))
    village_unit = np.zeros(len(geo["vil_code"]), dtype=np.int64)
    for v, vc in enumerate(geo["vil_code"]):
        village_unit[v] = len(rows)
        rows.append((f"{vc}村民委员会", "VILLAGE_COMMITTEE", town_unit[geo["vil_town"][v]], vc, geo["vil_district"][v]))
    df = pd.DataFrame(rows, columns=["name", "kind", "parent", "region", "district"])
    region6 = np.array([int(geo["districts"][d]) for d in df["district"]])
    code = uscc_vec("11", region6, 100_000 + np.arange(len(df)))
    parent = np.where(df["parent"].to_numpy() >= 0, code[np.maximum(df["parent"].to_numpy(), 0)], None)
    return dict(
        unit_code=code, unit_name=df["name"].to_numpy(object), unit_kind=df["kind"].to_numpy(object),
        unit_parent=parent, unit_region=df["region"].to_numpy(object), unit_district=df["district"].to_numpy(),
        district_units=district_units, town_unit=town_unit, village_unit=village_unit,
    )


def _pick(rng, area_of_person: np.ndarray, need: np.ndarray, eligible: np.ndarray):
    """Pick need[a] distinct eligible persons per area; returns (persons, area, rank-in-area)."""
    cand = np.flatnonzero(eligible)
    df = pd.DataFrame({"p": cand, "a": area_of_person[cand], "r": rng.random(len(cand))}).sort_values(["a", "r"])
    df["k"] = df.groupby("a").cumcount()
    df = df[df["k"].to_numpy() < need[df["a"].to_numpy()]]
    return df["p"].to_numpy(), df["a"].to_numpy(), df["k"].to_numpy()


def build_officials(ctx: Ctx, geo: dict, ppl: dict, units: dict) -> dict:
    rng = ctx.rng
    age = ((0 - ppl["birth"]) // 365.25).astype(np.int64)
    village = ppl["hh_village"][ppl["hh"]]
    eligible = (np.isin(ppl["rel"], ["HEAD", "SPOUSE"]) & (age >= 26) & (age <= 57)
                & (ppl["hh_class"][ppl["hh"]] != POOR))
    persons, units_of, ranks, leaders, may_end = [], [], [], [], []
    # village cadres: 3 per village committee, living in the village
    p, a, k = _pick(rng, village, np.full(len(geo["vil_code"]), 3), eligible)
    persons.append(p)
    units_of.append(units["village_unit"][a])
    ranks.append(np.full(len(p), "VILLAGE", dtype=object))
    leaders.append(k == 0)
    may_end.append(k >= 1)
    eligible[p] = False
    # township: 5 per town
    town = geo["vil_town"][village]
    p, a, k = _pick(rng, town, np.full(len(geo["town_code"]), 5), eligible)
    persons.append(p)
    units_of.append(units["town_unit"][a])
    ranks.append(np.where(k == 0, "DIVISION", "SECTION").astype(object))
    leaders.append(k == 0)
    may_end.append(k >= 1)
    eligible[p] = False
    # district units: staff per unit grows with the city
    per = max(4, ctx.residents // 25_000)
    du = units["district_units"]
    district = geo["vil_district"][village]
    p, a, k = _pick(rng, district, np.full(len(geo["districts"]), per * du.shape[1]), eligible)
    persons.append(p)
    units_of.append(du[a, k // per])
    kk = k % per
    ranks.append(np.select([kk == 0, kk <= 2], ["BUREAU", "DIVISION"], "SECTION").astype(object))
    leaders.append(kk == 0)
    may_end.append(kk >= 4)  # leaders and the first SECTION clerk (approvers) stay in office
    person = np.concatenate(persons)
    n = len(person)
    start = -rng.integers(60, 3000, n)
    end = np.full(n, 10**6, dtype=np.int64)
    ended = (rng.random(n) < 0.06) & np.concatenate(may_end)
    end[ended] = -rng.integers(5, 50, ended.sum())
    start = np.minimum(start, end - 200)
    return dict(apt_person=person, apt_unit=np.concatenate(units_of), apt_rank=np.concatenate(ranks),
                apt_leader=np.concatenate(leaders), apt_start=start, apt_end=end)


def build_city(ctx: Ctx) -> City:
    rng = ctx.rng
    geo = build_geography(ctx)
    ppl = build_people(ctx, geo)
    units = build_units(ctx, geo)
    offs = build_officials(ctx, geo, ppl, units)
    ppl["hh_class"][ppl["hh"][offs["apt_person"]]] = OFFICIAL
    n = len(ppl["pid"])
    cls = ppl["hh_class"][ppl["hh"]]
    age = ((0 - ppl["birth"]) // 365.25).astype(np.int64)
    # deaths only among NORMAL households, mostly elderly, inside the history window
    p_die = np.where(age >= 80, 0.12, np.where(age >= 60, 0.035, 0.001))
    dies = (cls == NORMAL) & (rng.random(n) < p_die) & (age >= 1)
    dead = np.full(n, NEVER, dtype=np.int64)
    dead[dies] = -rng.integers(2, 729, dies.sum())
    moved = (cls == NORMAL) & ~dies & (rng.random(n) < 0.005) & (age >= 18)
    custody = (cls == NORMAL) & ~dies & ~moved & (age >= 18) & (age <= 60) & (rng.random(n) < 0.004)
    return City(**geo, **ppl, **units, **offs, dead=dead, moved=moved, custody=custody)
