"""Planted cases: a small, fixed set of hand-built situations added on top of the background.

Every scenario builds fresh people, households, units and enterprises (ids from ranges the
background never uses), so a positive of one model cannot leak into another by accident, and
writes its answer-key rows. Planted rows are always part of the first (history) delivery."""

from __future__ import annotations

from tianyan.synth.city import City
from tianyan.synth.core import Ctx
from tianyan.synth.economy import Economy
from tianyan.synth.ids import dirtied, id18, uscc


class Planter:
    def __init__(self, ctx: Ctx, city: City, eco: Economy):
        self.ctx, self.cal, self.city, self.eco = ctx, ctx.cal, city, eco
        self.key: list[dict] = []
        self.seqs: dict[tuple[int, int], int] = {}
        self.counter = 0
        self.households: dict[str, str] = {}  # pid -> household id
        self.village_of: dict[str, str] = {}
        self.births: dict[str, int] = {}
        self.next_village_index = 1  # village 0 is the default home of planted people: keep cadres out of it
        self.current_month = self.cal.as_of_month
        self.employer = self.enterprise(self.person(age=50), capital=1_000_000)
        self.ca_unit = self.unit("GOVERNMENT")
        self.approver = self.person(age=45)
        self.official(self.approver, self.ca_unit, "SECTION")

    # ---- bookkeeping -------------------------------------------------------------
    def serial(self) -> int:
        """The next number of the one running counter behind every planted id (plant order fixes them)."""
        self.counter += 1
        return self.counter

    def answer(self, model: str, expected: int, subject: str, note: str, kind: str = "person") -> None:
        self.key.append({"model_id": model, "expected": expected, "subject_kind": kind, "subject_id": subject,
                         "note": note})

    def village(self) -> str:
        """Villages in rotation, so one model's planted subjects sit in distinct villages."""
        v = self.city.vil_code[self.next_village_index % len(self.city.vil_code)]
        self.next_village_index += 1
        return str(v)

    def date(self, off: int) -> str:
        """'YYYY-MM-DD' of the day ``off`` days from the as-of date."""
        return self.cal.d(off)

    def month_start(self, month_idx: int) -> int:
        """Day offset of the first day of an absolute month."""
        return self.cal.month_start(month_idx)

    def period(self, month_idx: int) -> str:
        """'YYYYMM' of an absolute month, as payment feeds name their period."""
        return self.cal.p(month_idx)

    def add(self, feed: str, day: int = 0, **cols) -> None:
        self.ctx.add(feed, min(day, 0), **cols)

    # ---- people --------------------------------------------------------------------
    def person(self, age: float = 40, male: bool = True, village: str | None = None, hh: str | None = None,
               rel: str = "HEAD", death: int | None = None, sources=("cert", "crem", "status"), with_of=None) -> str:
        if with_of is not None:  # join the household of another planted person
            hh, village = self.households[with_of], self.village_of[with_of]
        village = village or str(self.city.vil_code[0])
        prefix = int(village[:6])
        birth = -int(age * 365.25) - 40 - (self.counter % 200)
        ymd = int(self.cal.ymd_int[self.cal.idx(birth)])
        k = self.seqs.get((prefix, ymd), 0)
        self.seqs[(prefix, ymd)] = k + 1
        seq = 901 + 2 * k + (0 if male else 1)
        if seq > 999:
            raise RuntimeError("planted id range exhausted")
        pid = id18(prefix, ymd, seq)
        if hh is None:
            hh = f"HP{self.serial():07d}"
        self.households[pid], self.village_of[pid], self.births[pid] = hh, village, birth
        status, sdate, changed = "ACTIVE", None, max(birth, self.ctx.w0 - 1)
        if death is not None:
            if "status" in sources:
                status, sdate, changed = "DECEASED", self.date(death), death
            if "cert" in sources:
                self.add("health.death_certificates", death, certificate_id=f"DCP{self.serial():06d}", id_no=pid,
                         death_date=self.date(death), place="HOSPITAL", cause_code="I21.9")
            if "crem" in sources:
                self.add("civil_affairs.cremation_records", death + 2, record_id=f"CRP{self.serial():06d}", id_no=pid,
                         name="测试", death_date=self.date(death), cremation_date=self.date(death + 2),
                         funeral_home="凯里市殡仪馆")
        self.add("public_security.household_registration", changed, op="U", id_no=pid, name=f"植{self.counter}",
                 gender="M" if male else "F", birth_date=self.date(birth), household_id=hh, relation_to_head=rel,
                 region_code=village, status=status, status_date=sdate, changed_at=self.cal.t(changed))
        return pid

    def wife(self, husband: str, age: float, married: int = -5000, declared: bool = True) -> str:
        """A wife in the husband's household, married on day ``married``, declared as his relative unless not."""
        wife = self.person(age=age, male=False, with_of=husband, rel="SPOUSE")
        self.marry(husband, wife, married)
        if declared:
            self.declare(husband, wife, "SPOUSE")
        return wife

    def account(self, pid: str) -> str:
        return "62179" + self.households[pid][2:].rjust(11, "0")

    def custody(self, pid: str, kind: str, start: int, end: int | None = None, dirt: str | None = None) -> None:
        self.add("justice.custody_records", start, record_id=f"CUP{self.serial():06d}", id_no=dirtied(pid, dirt),
                 custody_kind=kind, start_date=self.date(start), end_date=None if end is None else self.date(end))

    def marry(self, a: str, b: str, day: int, kind: str = "MARRIAGE") -> None:
        self.add("civil_affairs.marriage_registrations", day, registration_id=f"MRP{self.serial():06d}", party1_id_no=a,
                 party2_id_no=b, kind=kind, registration_date=self.date(day))

    # ---- state ------------------------------------------------------------------------
    def unit(self, kind: str = "GOVERNMENT", region: str | None = None) -> str:
        region = region or str(self.city.districts[0]) + "000000"
        code = uscc("11", int(region[:6]), 800_000 + self.serial())
        self.add("organization.public_units", self.ctx.w0 - 1, unit_code=code, name=f"植入单位{self.counter}",
                 parent_unit_code=None, kind=kind, region_code=region)
        return code

    def official(self, pid: str, unit: str, rank: str, start: int = -1200, end: int | None = None,
                 juris: str | None = None, leader: bool = False) -> None:
        juris = juris or str(self.city.districts[0]) + "000000"
        self.add("organization.officials", start, appointment_id=f"APP{self.serial():06d}", id_no=pid, name="植入干部",
                 unit_code=unit, position="村委会委员" if rank == "VILLAGE" else "科员", rank=rank,
                 is_leader="true" if leader else "false", jurisdiction_region_code=juris, start_date=self.date(start),
                 end_date=None if end is None else self.date(end))

    def village_official(self, village: str, start: int = -1200, end: int | None = None, **kw) -> str:
        p = self.person(age=48, village=village, **kw)
        unit = str(self.city.unit_code[self.city.village_unit[list(self.city.vil_code).index(village)]])
        self.official(p, unit, "VILLAGE", start=start, end=end, juris=village)
        return p

    def declare(self, official: str, relative: str, relation: str, day: int = -1000) -> None:
        self.add("discipline.official_relatives", day, official_id_no=official, relative_id_no=relative,
                 relation=relation, declared_date=self.date(day))

    # ---- economy ------------------------------------------------------------------------
    def enterprise(self, rep: str, capital: int = 500_000, est: int = -3000, status: str = "ACTIVE",
                   sdate: int | None = None, phone: str | None = None) -> str:
        code = uscc("91", int(str(self.city.districts[0])), 700_000 + self.serial())
        changed = sdate if sdate is not None else max(est, self.ctx.w0 - 1)
        self.add("market_regulation.enterprises", changed, op="U", uscc=code, name=f"植入企业{self.counter}有限公司",
                 legal_rep_id_no=rep, registered_capital=f"{capital:.2f}", established_date=self.date(est), status=status,
                 status_date=None if sdate is None else self.date(sdate), address="植入地址",
                 phone=phone or f"0855{90_000_000 + self.counter:08d}", region_code=str(self.city.vil_code[0]),
                 changed_at=self.cal.t(changed))
        self.add("market_regulation.enterprise_persons", changed, op="U", uscc=code, id_no=rep, role="DIRECTOR",
                 share_ratio=None, changed_at=self.cal.t(changed))
        return code

    def ent_person(self, code: str, pid: str, role: str = "SHAREHOLDER", dirt: str | None = None) -> None:
        self.add("market_regulation.enterprise_persons", self.ctx.w0, op="U", uscc=code,
                 id_no=dirtied(pid, dirt), role=role, share_ratio="30.00" if role == "SHAREHOLDER" else None,
                 changed_at=self.cal.t(self.ctx.w0))

    def car(self, owner: str, price: float, vtype: str = "SMALL_CAR", reg: int = -400, status: str = "ACTIVE",
            sdate: int | None = None, kind: str = "PERSON") -> str:
        plate = f"贵HZ{self.serial():04d}"
        changed = sdate if sdate is not None else max(reg, self.ctx.w0 - 1)
        self.add("public_security.vehicle_registrations", changed, op="U", plate_no=plate, owner_kind=kind,
                 owner_id=owner, vehicle_type=vtype, purchase_price=f"{price:.2f}", registration_date=self.date(reg),
                 status=status, status_date=None if sdate is None else self.date(sdate), changed_at=self.cal.t(changed))
        return plate

    def estate(self, owner: str, ptype: str = "RESIDENTIAL", reg: int = -400, status: str = "ACTIVE") -> None:
        changed = max(reg, self.ctx.w0 - 1)
        self.add("natural_resources.real_estate", changed, op="U", certificate_no=f"黔植入不动产第{self.serial():06d}号",
                 owner_kind="PERSON", owner_id=owner, property_type=ptype, area_sqm="90.00",
                 region_code=self.village_of.get(owner, str(self.city.vil_code[0])), registration_date=self.date(reg),
                 status=status, changed_at=self.cal.t(changed))

    def contribution(self, pid: str, month_idx: int, base: float, dirt: str | None = None) -> None:
        self.add("human_resources.social_insurance_contributions", self.month_start(month_idx) + 27,
                 id_no=dirtied(pid, dirt), employer_uscc=self.employer, period=self.period(month_idx),
                 contribution_base=f"{base:.2f}")

    def income(self, pid: str, year: int, total: float) -> None:
        self.add("taxation.individual_income", -1, id_no=pid, tax_year=str(year), total_income=f"{total:.2f}",
                 tax_paid=f"{max(total - 60000, 0) * 0.1:.2f}")

    # ---- programmes ------------------------------------------------------------------------
    def enroll(self, pid: str, program: str = "DIBAO_RURAL", start: int = -700, end: int | None = None,
               status: str = "ACTIVE", approver: str | None = None, dirt: str | None = None,
               region: str | None = None) -> None:
        self.add("civil_affairs.assistance_enrollments", start, enrollment_id=f"ENP{self.serial():06d}",
                 household_id=self.households[pid], id_no=dirtied(pid, dirt), name="植入",
                 program=program, region_code=region or self.village_of[pid], start_date=self.date(start),
                 end_date=None if end is None else self.date(end), monthly_amount="500.00",
                 approver_id_no=approver or self.approver, status=status)

    def assistance_payment(self, pid: str, month_idx: int, program: str = "DIBAO_RURAL", pay: int | None = None,
                           dirt: str | None = None, account: str | None = None, amount: str = "500.00") -> None:
        pay = self.month_start(month_idx) + 9 if pay is None else pay
        self.add("civil_affairs.assistance_payments", pay, payment_id=f"SPP{self.serial():06d}",
                 id_no=dirtied(pid, dirt), program=program, period=self.period(month_idx), amount=amount,
                 pay_date=self.date(pay), bank_account=account or self.account(pid), region_code=self.village_of[pid])

    def claim(self, pid: str, inst: str, admit: int, discharge: int | None = None, ctype: str = "INPATIENT",
              dirt: str | None = None) -> None:
        self.add("medical_insurance.claims", discharge if discharge is not None else admit,
                 claim_id=f"YBP{self.serial():06d}", id_no=dirtied(pid, dirt), institution_code=inst,
                 claim_type=ctype, admit_date=self.date(admit), discharge_date=None if discharge is None else self.date(discharge),
                 total_amount="8000.00", fund_paid="5600.00", diagnosis_code="J18.9", doctor_id_no=None)

    def institution(self, status: str = "VALID", sdate: int | None = None) -> str:
        code = f"YLP{self.serial():05d}"
        self.add("medical_insurance.institutions", self.ctx.w0 - 1, institution_code=code,
                 uscc=uscc("12", int(str(self.city.districts[0])), 600_000 + self.counter), name=f"植入医院{self.counter}",
                 kind="HOSPITAL", region_code=str(self.city.vil_code[0]), license_status=status,
                 license_status_date=None if sdate is None else self.date(sdate))
        return code

    def post(self, pid: str, unit: str, start: int = -400, end: int | None = None, region: str | None = None) -> None:
        self.add("human_resources.public_welfare_posts", start, post_id=f"GYP{self.serial():06d}", id_no=pid,
                 employer_unit_code=unit, region_code=region or self.village_of[pid], start_date=self.date(start),
                 end_date=None if end is None else self.date(end), monthly_subsidy="1800.00")

    def lease(self, pid: str, start: int = -600, end: int | None = None, subsidy: str = "300.00",
              dirt: str | None = None) -> None:
        self.add("housing.public_rental_leases", start, lease_id=f"GZP{self.serial():06d}",
                 id_no=dirtied(pid, dirt), household_size="2", region_code=self.village_of[pid],
                 start_date=self.date(start), end_date=None if end is None else self.date(end), monthly_subsidy=subsidy)


def plant_all(ctx: Ctx, city: City, eco: Economy) -> list[dict]:
    """Plant every case of ``CASES`` of the three case modules, in that order, and return the answer key.
    The order fixes every planted id (one running counter): a new case goes at the end of its module's tuple."""
    from tianyan.synth import plant_money, plant_people, plant_procurement  # they import Planter from here

    planter = Planter(ctx, city, eco)
    for case in (*plant_people.CASES, *plant_money.CASES, *plant_procurement.CASES):
        case(planter)
    return planter.key
