"""What a department's system sends, and the feed row it will become once delivered.

A pending transaction (an *item*) has a ``kind`` (``payment``, ``medical_claim``, ``procurement``,
``enrolment``) and, for kinds that several feeds carry, a ``program`` naming which one. Each
:class:`Target` maps the item's fields onto the columns of one feed of include/spec/feeds.yaml, so
the screening service can place the item in that feed as if it had been loaded and run the models
that read the feed (tianyan.screen.engine). The mapping is the only thing written here: the rules
themselves are the models' SQL.

Field names are one vocabulary across kinds (``ref``, ``payee_id_no``, ``amount``, ``period``,
``pay_date``, ``bank_account``, ``paying_unit``, ``region_code``, ...); docs/screening.md lists
what each target needs. A column mapped from a constant is fixed for the target (e.g. a collective
ledger payment is direction OUT); ``"@year:pay_date"`` and ``"@ts:pay_date"`` derive a column from
another field; ``"status?ACTIVE"`` is the item's ``status``, ACTIVE when it leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from tianyan.registry import load_feeds

KINDS = ("payment", "medical_claim", "procurement", "enrolment")
ASSISTANCE = ("DIBAO_URBAN", "DIBAO_RURAL", "TEKUN")


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    feed: str
    programs: tuple[str, ...]
    # feed column -> item field, "=CONST" (a constant), "@program" (the item's program),
    # "@year:<field>" (the year of a date field), "@ts:<field>" (a date field as a timestamp) or
    # "<field>?<DEFAULT>" (the field, DEFAULT when the item leaves it out)
    columns: dict[str, str]
    # item fields that may stand in for another when absent (alias -> field)
    notes: str = ""
    fields: tuple[str, ...] = field(default=())

    def item_fields(self) -> tuple[str, ...]:
        """The item fields this target reads (for docs and error messages)."""
        out = []
        for src in self.columns.values():
            name = src.split(":", 1)[1] if src.startswith(("@year:", "@ts:")) else src.split("?")[0]
            if not src.startswith(("=", "@program")) and name not in out:
                out.append(name)
        return tuple(out)


def _t(name, kind, feed, programs, columns, notes=""):
    return Target(name, kind, feed, tuple(programs), columns, notes)


TARGETS: tuple[Target, ...] = (
    _t("assistance_payment", "payment", "civil_affairs.assistance_payments", (*ASSISTANCE, "TEMPORARY"),
       {"payment_id": "ref", "id_no": "payee_id_no", "program": "@program", "period": "period",
        "amount": "amount", "pay_date": "pay_date", "bank_account": "bank_account", "region_code": "region_code"}),
    _t("pension_payment", "payment", "human_resources.pension_payments", ("PENSION",),
       {"payment_id": "ref", "id_no": "payee_id_no", "period": "period", "amount": "amount",
        "pay_date": "pay_date"}),
    _t("unemployment_benefit", "payment", "human_resources.unemployment_benefits", ("UNEMPLOYMENT",),
       {"payment_id": "ref", "id_no": "payee_id_no", "period": "period", "amount": "amount",
        "pay_date": "pay_date"}),
    _t("treasury_payment", "payment", "finance.fiscal_payments", ("TREASURY",),
       {"payment_id": "ref", "budget_unit_code": "paying_unit", "payee_kind": "payee_kind", "payee_id": "payee_id",
        "payee_name": "payee_name", "payee_account": "bank_account", "amount": "amount", "pay_date": "pay_date",
        "purpose": "purpose", "project_code": "project_code", "changed_at": "@ts:pay_date"}),
    _t("one_card_subsidy", "payment", "finance.subsidy_payments", ("ONE_CARD",),
       {"payment_id": "ref", "id_no": "payee_id_no", "subsidy_type": "subsidy_type",
        "issuing_department": "paying_unit", "amount": "amount", "pay_date": "pay_date",
        "bank_account": "bank_account", "region_code": "region_code", "changed_at": "@ts:pay_date"}),
    _t("farm_subsidy", "payment", "agriculture.farm_subsidies", ("FARM_SUBSIDY",),
       {"payment_id": "ref", "id_no": "payee_id_no", "village_code": "village_code", "subsidy_year": "year",
        "subsidized_area_mu": "area_mu", "amount": "amount", "pay_date": "pay_date"}),
    _t("eco_compensation", "payment", "forestry.eco_compensation", ("ECO_COMPENSATION",),
       {"payment_id": "ref", "id_no": "payee_id_no", "village_code": "village_code", "comp_year": "year",
        "forest_area_mu": "area_mu", "amount": "amount"}),
    _t("disaster_relief", "payment", "emergency.relief_payments", ("DISASTER_RELIEF",),
       {"payment_id": "ref", "id_no": "payee_id_no", "event_id": "event_id", "region_code": "region_code",
        "amount": "amount", "pay_date": "pay_date"}),
    _t("disability_living", "payment", "disabled_persons.subsidies", ("DISABILITY_LIVING",),
       {"payment_id": "ref", "id_no": "payee_id_no", "subsidy_type": "=LIVING", "period": "period",
        "amount": "amount"}),
    _t("disability_care", "payment", "disabled_persons.subsidies", ("DISABILITY_CARE",),
       {"payment_id": "ref", "id_no": "payee_id_no", "subsidy_type": "=CARE", "period": "period",
        "amount": "amount"}),
    _t("veteran_benefit", "payment", "veterans.benefit_payments", ("VETERAN",),
       {"payment_id": "ref", "id_no": "payee_id_no", "benefit_type": "subsidy_type", "period": "period",
        "amount": "amount"}),
    _t("student_aid", "payment", "education.student_aid", ("STUDENT_AID",),
       {"aid_id": "ref", "student_id_no": "payee_id_no", "guardian_id_no": "guardian_id_no",
        "school_code": "paying_unit", "aid_type": "subsidy_type", "academic_year": "year", "amount": "amount",
        "region_code": "region_code"}),
    _t("operating_subsidy", "payment", "transport.operating_subsidies", ("OPERATING_SUBSIDY",),
       {"payment_id": "ref", "plate_no": "plate_no", "recipient_kind": "payee_kind", "recipient_id": "payee_id",
        "subsidy_year": "year", "amount": "amount", "pay_date": "pay_date"}),
    _t("collective_payment", "payment", "agriculture.collective_ledger", ("COLLECTIVE_FUNDS",),
       {"entry_id": "ref", "village_code": "village_code", "entry_date": "pay_date", "direction": "=OUT",
        "amount": "amount", "counterparty_kind": "payee_kind", "counterparty_id": "payee_id",
        "category": "category", "payment_method": "payment_method", "approver_id_no": "approving_official"}),
    _t("medical_claim", "medical_claim", "medical_insurance.claims", (),
       {"claim_id": "ref", "id_no": "patient_id_no", "institution_code": "institution_code",
        "claim_type": "claim_type", "admit_date": "admit_date", "discharge_date": "discharge_date",
        "total_amount": "amount", "fund_paid": "fund_paid", "diagnosis_code": "diagnosis_code",
        "doctor_id_no": "doctor_id_no"}),
    _t("procurement_contract", "procurement", "public_resources.contracts", ("CONTRACT",),
       {"contract_id": "ref", "tender_id": "tender_id", "buyer_unit_code": "buyer_unit",
        "supplier_uscc": "supplier_uscc", "amount": "amount", "sign_date": "date", "signer_id_no": "signer_id_no"}),
    _t("collective_contract", "procurement", "agriculture.collective_contracts", ("COLLECTIVE_CONTRACT",),
       {"contract_id": "ref", "village_code": "village_code", "asset_id": "asset_id",
        "counterparty_kind": "payee_kind", "counterparty_id": "payee_id", "annual_rent": "amount",
        "area": "area", "start_date": "start_date", "end_date": "end_date", "award_method": "award_method",
        "sign_date": "date", "signer_id_no": "signer_id_no"}),
    _t("rural_project", "procurement", "rural_revitalization.projects", ("RURAL_PROJECT",),
       {"project_id": "ref", "region_code": "region_code", "fund_amount": "amount",
        "contractor_uscc": "supplier_uscc", "approver_id_no": "approving_official", "start_date": "date",
        "status": "status?PLANNED"}),
    _t("assistance_enrolment", "enrolment", "civil_affairs.assistance_enrollments", ASSISTANCE,
       {"enrollment_id": "ref", "household_id": "household_id", "id_no": "person_id_no", "name": "name",
        "program": "@program", "region_code": "region_code", "start_date": "start_date", "end_date": "end_date",
        "monthly_amount": "amount", "approver_id_no": "approving_official", "status": "status?ACTIVE"}),
    _t("public_welfare_post", "enrolment", "human_resources.public_welfare_posts", ("PUBLIC_WELFARE_POST",),
       {"post_id": "ref", "id_no": "person_id_no", "employer_unit_code": "unit_code", "region_code": "region_code",
        "start_date": "start_date", "end_date": "end_date", "monthly_subsidy": "amount"}),
    _t("public_rental_lease", "enrolment", "housing.public_rental_leases", ("PUBLIC_RENTAL",),
       {"lease_id": "ref", "id_no": "person_id_no", "household_size": "household_size",
        "region_code": "region_code", "start_date": "start_date", "end_date": "end_date",
        "monthly_subsidy": "amount"}),
)


@cache
def by_program() -> dict[tuple[str, str], Target]:
    """(kind, program) -> target; a kind with a single target answers to program ''."""
    out: dict[tuple[str, str], Target] = {}
    for t in TARGETS:
        for p in t.programs or ("",):
            if (t.kind, p) in out:
                raise ValueError(f"program {p!r} of kind {t.kind!r} maps to two targets")
            out[(t.kind, p)] = t
    return out


@cache
def by_feed() -> dict[str, tuple[Target, ...]]:
    out: dict[str, list[Target]] = {}
    for t in TARGETS:
        out.setdefault(t.feed, []).append(t)
    return {k: tuple(v) for k, v in out.items()}


def check_targets() -> None:
    """Every target maps onto real columns of its feed, its key column from ``ref``, and fills every
    required column (a test runs this)."""
    feeds = load_feeds()
    for t in TARGETS:
        spec = feeds[t.feed]
        cols = {c.name: c for c in spec.columns}
        unknown = set(t.columns) - set(cols)
        if unknown:
            raise ValueError(f"target {t.name}: {t.feed} has no columns {sorted(unknown)}")
        if len(spec.key) != 1 or t.columns.get(spec.key[0]) != "ref":
            raise ValueError(f"target {t.name}: the feed's key {spec.key} must come from 'ref'")
        unfilled = [c.name for c in spec.columns if c.required and c.name not in t.columns and c.name != "op"]
        if unfilled:
            raise ValueError(f"target {t.name}: required columns {unfilled} of {t.feed} are not mapped")
        for col, src in t.columns.items():
            if src.startswith("=") and cols[col].enum_values and src[1:] not in cols[col].enum_values:
                raise ValueError(f"target {t.name}: {src[1:]!r} is not a value of {t.feed}.{col}")
        if t.programs and "program" in cols and t.columns.get("program") == "@program":
            bad = set(t.programs) - set(cols["program"].enum_values)
            if bad:
                raise ValueError(f"target {t.name}: programs {sorted(bad)} are not values of {t.feed}.program")


def item_from_row(feed: str, row: dict) -> dict | None:
    """The item that a department's system would send for ``row`` of ``feed`` (the inverse of a
    target's mapping; used by the agreement tests and to screen feed-shaped files)."""
    for t in by_feed().get(feed, ()):
        consts_ok = all(str(row.get(col)) == src[1:] for col, src in t.columns.items() if src.startswith("="))
        program = row.get("program") if "@program" in t.columns.values() else (t.programs[0] if t.programs else "")
        if not consts_ok or (t.programs and program not in t.programs):
            continue
        item: dict = {"kind": t.kind}
        if program:
            item["program"] = program
        for col, src in t.columns.items():
            if src.startswith(("=", "@")):
                continue
            if row.get(col) is not None:
                item[src.split("?")[0]] = row[col]
        return item
    return None  # not a transaction of a screened kind (e.g. money coming in)
