"""Positive and near-miss cases for models SA01-SA10, MI01-MI06, SI01-SI05, AG01-AG05, HO01-HO03,
SG01-SG06, RE01-RE03 and FI04, on small hand-made rows.

Each test loads one planted positive (person P) and at least one near miss (person N, which must not be
flagged), then asserts the exact set of flagged subjects and that a re-run returns identical rows.
"""

from __future__ import annotations

import pytest

AS_OF = "2025-06-30"
REGION = "110101001001"
OTHER_REGION = "110102002002"
UNIT = "U001"


@pytest.fixture
def city(db, put, pid, uscc, run_model):
    return City(db, put, pid, uscc, run_model)


class City:
    """Tiny builders over the feed tables (current rows unless said otherwise)."""

    def __init__(self, db, put, pid, uscc, run_model):
        self.db, self.put, self.pid, self.uscc, self._run = db, put, pid, uscc, run_model

    def person(
        self,
        n,
        household,
        relation="HEAD",
        region=REGION,
        birth="1970-01-01",
        status="ACTIVE",
        status_date=None,
        changed_at="2024-01-01T00:00:00",
    ):
        self.put(
            self.db,
            "public_security.household_registration",
            [
                {
                    "id_no": self.pid(n),
                    "name": f"p{n}",
                    "gender": "M",
                    "birth_date": birth,
                    "household_id": household,
                    "relation_to_head": relation,
                    "region_code": region,
                    "status": status,
                    "status_date": status_date,
                    "changed_at": changed_at,
                }
            ],
        )
        return self.pid(n)

    def death_certificate(self, n, death_date):
        self.put(
            self.db,
            "health.death_certificates",
            [{"certificate_id": f"DC{n}", "id_no": self.pid(n), "death_date": death_date, "place": "HOME"}],
        )

    def enrollment(
        self,
        eid,
        n,
        household="H1",
        status="ACTIVE",
        start="2023-01-01",
        end=None,
        approver=900,
        region=REGION,
        program="DIBAO_URBAN",
    ):
        self.put(
            self.db,
            "civil_affairs.assistance_enrollments",
            [
                {
                    "enrollment_id": eid,
                    "household_id": household,
                    "id_no": self.pid(n),
                    "name": f"p{n}",
                    "program": program,
                    "region_code": region,
                    "start_date": start,
                    "end_date": end,
                    "monthly_amount": 800,
                    "approver_id_no": self.pid(approver),
                    "status": status,
                }
            ],
        )

    def assistance(self, pay_id, n, period, program="DIBAO_URBAN", account="ACC1", amount=800, pay_date=None):
        self.put(
            self.db,
            "civil_affairs.assistance_payments",
            [
                {
                    "payment_id": pay_id,
                    "id_no": self.pid(n),
                    "program": program,
                    "period": period,
                    "amount": amount,
                    "pay_date": pay_date or f"{period}-15",
                    "bank_account": account,
                    "region_code": REGION,
                }
            ],
        )

    def car(self, plate, n, price, reg_date="2022-01-01", status="ACTIVE", vtype="SMALL_CAR"):
        self.put(
            self.db,
            "public_security.vehicle_registrations",
            [
                {
                    "plate_no": plate,
                    "owner_kind": "PERSON",
                    "owner_id": self.pid(n),
                    "vehicle_type": vtype,
                    "purchase_price": price,
                    "registration_date": reg_date,
                    "status": status,
                    "changed_at": "2024-01-01T00:00:00",
                }
            ],
        )

    def title(self, cert, n, ptype="RESIDENTIAL", status="ACTIVE", reg_date="2020-01-01"):
        self.put(
            self.db,
            "natural_resources.real_estate",
            [
                {
                    "certificate_no": cert,
                    "owner_kind": "PERSON",
                    "owner_id": self.pid(n),
                    "property_type": ptype,
                    "area_sqm": 90,
                    "region_code": REGION,
                    "registration_date": reg_date,
                    "status": status,
                    "changed_at": "2024-01-01T00:00:00",
                }
            ],
        )

    def official(self, appt, n, rank="SECTION", unit=UNIT, region=REGION, start="2020-01-01", end=None):
        self.put(
            self.db,
            "organization.officials",
            [
                {
                    "appointment_id": appt,
                    "id_no": self.pid(n),
                    "name": f"o{n}",
                    "unit_code": unit,
                    "position": "chief",
                    "rank": rank,
                    "is_leader": False,
                    "jurisdiction_region_code": region,
                    "start_date": start,
                    "end_date": end,
                }
            ],
        )

    def custody(self, rid, n, start, end=None, kind="PRISON"):
        self.put(
            self.db,
            "justice.custody_records",
            [
                {
                    "record_id": rid,
                    "id_no": self.pid(n),
                    "custody_kind": kind,
                    "start_date": start,
                    "end_date": end,
                }
            ],
        )

    def claim(self, cid, n, inst, admit, discharge=None, ctype="INPATIENT", fund=1000):
        self.put(
            self.db,
            "medical_insurance.claims",
            [
                {
                    "claim_id": cid,
                    "id_no": self.pid(n),
                    "institution_code": inst,
                    "claim_type": ctype,
                    "admit_date": admit,
                    "discharge_date": discharge,
                    "total_amount": fund + 100,
                    "fund_paid": fund,
                }
            ],
        )

    def institution(self, code, status="VALID", status_date=None):
        self.put(
            self.db,
            "medical_insurance.institutions",
            [
                {
                    "institution_code": code,
                    "uscc": self.uscc(int(code[1:])),
                    "name": code,
                    "kind": "HOSPITAL",
                    "region_code": REGION,
                    "license_status": status,
                    "license_status_date": status_date,
                }
            ],
        )

    def contribution(self, n, period, base, employer=1):
        self.put(
            self.db,
            "human_resources.social_insurance_contributions",
            [
                {
                    "id_no": self.pid(n),
                    "employer_uscc": self.uscc(employer),
                    "period": period,
                    "contribution_base": base,
                }
            ],
        )

    def post(self, post_id, n, start="2023-01-01", end=None, unit=UNIT, region=REGION, subsidy=1500):
        self.put(
            self.db,
            "human_resources.public_welfare_posts",
            [
                {
                    "post_id": post_id,
                    "id_no": self.pid(n),
                    "employer_unit_code": unit,
                    "region_code": region,
                    "start_date": start,
                    "end_date": end,
                    "monthly_subsidy": subsidy,
                }
            ],
        )

    def lease(self, lease_id, n, start="2023-01-01", end=None, subsidy=300):
        self.put(
            self.db,
            "housing.public_rental_leases",
            [
                {
                    "lease_id": lease_id,
                    "id_no": self.pid(n),
                    "household_size": 2,
                    "region_code": REGION,
                    "start_date": start,
                    "end_date": end,
                    "monthly_subsidy": subsidy,
                }
            ],
        )

    def certificate(self, cert, n, grade, issue="2020-01-01", until="2026-12-31", status="VALID"):
        self.put(
            self.db,
            "disabled_persons.certificates",
            [
                {
                    "certificate_no": cert,
                    "id_no": self.pid(n),
                    "category": "PHYSICAL",
                    "grade": grade,
                    "issue_date": issue,
                    "valid_until": until,
                    "status": status,
                }
            ],
        )

    def disability(self, pay_id, n, period, stype="LIVING"):
        self.put(
            self.db,
            "disabled_persons.subsidies",
            [
                {
                    "payment_id": pay_id,
                    "id_no": self.pid(n),
                    "subsidy_type": stype,
                    "period": period,
                    "amount": 100,
                }
            ],
        )

    def aid(self, aid_id, student, guardian, year=2024):
        self.put(
            self.db,
            "education.student_aid",
            [
                {
                    "aid_id": aid_id,
                    "student_id_no": self.pid(student),
                    "guardian_id_no": self.pid(guardian),
                    "school_code": "S1",
                    "aid_type": "GRANT",
                    "academic_year": year,
                    "amount": 2000,
                    "region_code": REGION,
                }
            ],
        )

    def relief(self, pay_id, n, event, amount=1000, region=REGION, pay_date="2024-08-01"):
        self.put(
            self.db,
            "emergency.relief_payments",
            [
                {
                    "payment_id": pay_id,
                    "id_no": self.pid(n),
                    "event_id": event,
                    "region_code": region,
                    "amount": amount,
                    "pay_date": pay_date,
                }
            ],
        )

    def event(self, event, region=REGION, date="2024-07-01"):
        self.put(
            self.db,
            "emergency.disaster_events",
            [{"event_id": event, "region_code": region, "event_date": date, "kind": "FLOOD"}],
        )

    def run(self, model_id, as_of=AS_OF, **params):
        rows = self._run(self.db, model_id, as_of, **params)
        again = self._run(self.db, model_id, as_of, **params)
        assert rows == again, f"{model_id} is not deterministic"
        for r in rows:
            assert isinstance(r["evidence"], list) and r["evidence"], r
            assert all({"feed", "key", "values"} <= set(e) for e in r["evidence"]), r
        return rows

    def flagged(self, model_id, as_of=AS_OF, **params):
        return {r["subject_id"] for r in self.run(model_id, as_of, **params)}


# ---- social_assistance -----------------------------------------------------------------------


def test_sa01_paid_after_death(city):
    p, n = city.pid(1), city.pid(2)
    city.death_certificate(1, "2024-03-10")
    city.death_certificate(2, "2024-03-10")
    city.assistance("PAY1", 1, "2024-04")  # month after death -> hit
    city.assistance("PAY2", 2, "2024-03")  # month of death -> no hit
    city.assistance("PAY3", 2, "2024-04", program="TEMPORARY")  # temporary -> no hit
    rows = city.run("SA01")
    assert {r["subject_id"] for r in rows} == {p}
    assert rows[0]["evidence_key"] == "PAY1" and rows[0]["amount"] == 800
    assert n not in {r["subject_id"] for r in rows}


def test_sa01_death_from_household_registration_earliest_wins(city):
    city.person(1, "H1", status="DECEASED", status_date="2024-01-20")
    city.put(
        city.db,
        "civil_affairs.cremation_records",
        [
            {
                "record_id": "CR1",
                "id_no": city.pid(1),
                "name": "x",
                "death_date": "2024-02-25",
                "cremation_date": "2024-02-28",
                "funeral_home": "F",
            }
        ],
    )
    city.assistance("PAY1", 1, "2024-02")  # later than January (registration date wins)
    assert city.flagged("SA01") == {city.pid(1)}
    assert city.flagged("SA01", as_of="2024-01-10") == set()  # not dead yet as of then


def test_sa02_household_car(city):
    city.person(1, "H1")
    city.person(3, "H1", relation="SPOUSE")
    city.person(2, "H2")
    city.person(4, "H2", relation="SPOUSE")
    city.enrollment("E1", 1, end="2025-12-31")
    city.enrollment("E2", 2)
    city.car("CAR1", 3, 80000, reg_date="2024-05-01")  # spouse's car -> hit
    city.car("CAR2", 4, 40000)  # below threshold -> no hit
    city.car("CAR3", 4, 90000, reg_date="2025-08-01")  # registered after the last active day -> no hit
    city.car("CAR4", 4, 90000, vtype="TRUCK")  # not a car -> no hit
    assert city.flagged("SA02") == {city.pid(1)}


def test_sa03_several_homes(city):
    city.person(1, "H1")
    city.person(3, "H1", relation="CHILD")
    city.person(2, "H2")
    city.person(5, "H5")
    city.enrollment("E1", 1)
    city.enrollment("E2", 2)
    city.enrollment("E5", 5)
    city.title("T1", 1)
    city.title("T2", 3)  # two homes in the household -> hit
    city.title("T3", 2)
    city.title("T4", 2, status="TRANSFERRED")  # one active home -> no hit
    city.title("T5", 5, ptype="PARKING")  # parking only -> no hit
    assert city.flagged("SA03") == {city.pid(1)}
    city.title("T6", 5, ptype="OFFICE")
    assert city.flagged("SA03") == {city.pid(1), city.pid(5)}


def test_sa04_household_enterprise(city):
    city.person(1, "H1")
    city.person(3, "H1", relation="CHILD")
    city.person(2, "H2")
    city.enrollment("E1", 1)
    city.enrollment("E2", 2)
    city.put(
        city.db,
        "market_regulation.enterprises",
        [
            {
                "uscc": city.uscc(1),
                "name": "A",
                "legal_rep_id_no": city.pid(3),
                "registered_capital": 500000,
                "established_date": "2020-01-01",
                "status": "ACTIVE",
                "region_code": REGION,
                "changed_at": "2024-01-01T00:00:00",
            },
            {
                "uscc": city.uscc(2),
                "name": "B",
                "legal_rep_id_no": city.pid(2),
                "registered_capital": 50000,
                "established_date": "2020-01-01",
                "status": "ACTIVE",
                "region_code": REGION,
                "changed_at": "2024-01-01T00:00:00",
            },
        ],
    )
    city.put(
        city.db,
        "market_regulation.enterprise_persons",
        [
            {
                "uscc": city.uscc(1),
                "id_no": city.pid(2),
                "role": "DIRECTOR",
                "changed_at": "2024-01-01T00:00:00",
            }
        ],
    )
    # 2 is legal rep of a small enterprise and only DIRECTOR of the big one -> no hit
    assert city.flagged("SA04") == {city.pid(1)}


def test_sa05_member_high_wage(city):
    city.person(1, "H1")
    city.person(3, "H1", relation="CHILD")
    city.person(2, "H2")
    city.enrollment("E1", 1, start="2024-01-15")
    city.enrollment("E2", 2, start="2024-01-15")
    for per in ("2024-01", "2024-02", "2024-03"):
        city.contribution(3, per, 6000)
    for per in ("2023-11", "2023-12", "2024-01"):  # only one period inside the enrollment -> no hit
        city.contribution(2, per, 6000)
    city.contribution(2, "2024-02", 4000)  # below wage_min
    assert city.flagged("SA05") == {city.pid(1)}


def test_sa06_official_household(city):
    city.person(1, "H1")
    city.person(3, "H1", relation="SPOUSE")
    city.person(2, "H2")
    city.person(4, "H2", relation="SPOUSE")
    city.enrollment("E1", 1, start="2023-01-01")
    city.enrollment("E2", 2, start="2023-01-01", end="2023-06-30", status="ENDED")
    city.official("A1", 3, start="2022-01-01")  # in office during E1 -> hit
    city.official("A2", 4, start="2024-01-01")  # appointed after E2 ended -> no hit
    rows = city.run("SA06")
    assert {r["subject_id"] for r in rows} == {city.pid(1)}
    assert rows[0]["unit_code"] == UNIT


def test_sa07_favoritism(city):
    city.person(900, "HA")  # approver
    city.person(1, "HA", relation="CHILD")  # approver's household -> hit
    city.person(2, "H2")
    city.person(5, "H5")
    city.person(6, "H5", relation="SPOUSE")
    city.person(7, "H7")
    city.enrollment("E1", 1)
    city.enrollment("E2", 2)  # unrelated -> no hit
    city.enrollment("E5", 5)  # spouse of a village official of the region -> hit
    city.enrollment("E7", 7)  # divorced from a village official -> no hit
    city.official("V1", 6, rank="VILLAGE", unit="VC1", start="2021-01-01")
    city.official("V2", 8, rank="VILLAGE", unit="VC1", start="2021-01-01")
    city.put(
        city.db,
        "civil_affairs.marriage_registrations",
        [
            {
                "registration_id": "M1",
                "party1_id_no": city.pid(8),
                "party2_id_no": city.pid(7),
                "kind": "MARRIAGE",
                "registration_date": "2010-01-01",
            },
            {
                "registration_id": "M2",
                "party1_id_no": city.pid(7),
                "party2_id_no": city.pid(8),
                "kind": "DIVORCE",
                "registration_date": "2015-01-01",
            },
        ],
    )
    assert city.flagged("SA07") == {city.pid(1), city.pid(5)}


def test_sa08_paid_in_custody(city):
    city.custody("C1", 1, "2024-01-10", "2024-12-31")
    city.custody("C2", 2, "2024-03-05", "2024-03-25", kind="DETENTION")
    city.custody("C3", 3, "2024-01-01", None, kind="COMMUNITY_CORRECTION")
    city.assistance("PAY1", 1, "2024-03")  # whole March in prison -> hit
    city.assistance("PAY2", 2, "2024-03")  # part of March only -> no hit
    city.assistance("PAY3", 3, "2024-03")  # community correction is not custody -> no hit
    city.assistance("PAY4", 1, "2024-01")  # January not fully covered -> no hit
    rows = city.run("SA08")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [(city.pid(1), "PAY1")]


def test_sa09_duplicate_month(city):
    city.assistance("PAY1", 1, "2024-03", program="DIBAO_URBAN")
    city.assistance("PAY2", 1, "2024-03", program="TEKUN")
    city.assistance("PAY3", 2, "2024-03", program="DIBAO_URBAN")
    city.assistance("PAY4", 2, "2024-03", program="TEMPORARY")  # temporary does not count
    city.assistance("PAY5", 2, "2024-04", program="DIBAO_URBAN")
    rows = city.run("SA09")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [(city.pid(1), "2024-03")]


def test_sa10_account_for_several_households(city):
    for n, hh in ((1, "H1"), (2, "H2"), (3, "H3"), (4, "H4"), (5, "H4"), (6, "H6")):
        city.person(n, hh, relation="HEAD" if n != 5 else "SPOUSE")
    for n in (1, 2, 3):
        city.assistance(f"PA{n}", n, "2024-03", account="SHARED", program="TEMPORARY" if n == 3 else "TEKUN")
    for n in (4, 5, 6):  # households H4, H4, H6 -> only 2 households
        city.assistance(f"PB{n}", n, "2024-03", account="FAMILY")
    rows = city.run("SA10")
    assert [(r["subject_kind"], r["subject_id"]) for r in rows] == [("bank_account", "SHARED")]
    assert rows[0]["amount"] == 2400


# ---- medical_insurance ---------------------------------------------------------------------


def test_mi01_claim_after_death(city):
    city.death_certificate(1, "2024-03-10")
    city.death_certificate(2, "2024-03-10")
    city.claim("C1", 1, "I1", "2024-04-11", ctype="OUTPATIENT")  # 32 days after -> hit
    city.claim("C2", 2, "I1", "2024-04-10")  # 31 days after -> no hit
    assert city.flagged("MI01") == {city.pid(1)}


def test_mi02_overlapping_stays(city):
    city.claim("C1", 1, "I1", "2024-03-01", "2024-03-10")
    city.claim("C2", 1, "I2", "2024-03-08", "2024-03-15")  # overlap 2 days -> hit
    city.claim("C3", 2, "I1", "2024-03-01", "2024-03-10")
    city.claim("C4", 2, "I2", "2024-03-10", "2024-03-15")  # same-day transfer -> no hit
    city.claim("C5", 3, "I1", "2024-03-01", "2024-03-10")
    city.claim("C6", 3, "I1", "2024-03-05", "2024-03-12")  # same institution -> no hit
    rows = city.run("MI02")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [(city.pid(1), "C1|C2")]


def test_mi03_inpatient_in_custody(city):
    city.custody("K1", 1, "2024-01-01", "2024-06-30", kind="DETENTION")
    city.custody("K2", 2, "2024-01-01", "2024-02-28")
    city.claim("C1", 1, "I1", "2024-03-01", "2024-03-05")  # hit
    city.claim("C2", 2, "I1", "2024-03-01", "2024-03-05")  # released before -> no hit
    city.claim("C3", 1, "I1", "2024-03-02", ctype="OUTPATIENT")  # not inpatient
    rows = city.run("MI03")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [(city.pid(1), "C1")]


def test_mi04_claims_after_licence_revoked(city):
    city.institution("I1", "REVOKED", "2024-03-01")
    city.institution("I2", "SUSPENDED", "2024-03-01")
    city.institution("I3", "VALID")
    city.claim("C1", 1, "I1", "2024-03-01")  # on the date -> hit
    city.claim("C2", 1, "I2", "2024-02-28")  # before suspension -> no hit
    city.claim("C3", 1, "I3", "2024-04-01")  # valid licence -> no hit
    rows = city.run("MI04")
    assert [(r["subject_kind"], r["subject_id"]) for r in rows] == [("institution", "I1")]


def test_mi05_batch_admissions(city):
    city.institution("I1")
    city.institution("I2")
    for n in range(1, 8):
        city.person(n, f"H{n}", birth="1950-01-01")
        city.enrollment(f"E{n}", n)
    city.person(8, "H8", birth="1970-01-01")
    city.enrollment("E8", 8)
    for n in range(1, 6):  # five elderly recipients within 3 days -> hit
        city.claim(f"A{n}", n, "I1", f"2024-03-0{1 + n % 3}")
    for n in range(1, 5):  # four elderly + one too young within 3 days -> no hit
        city.claim(f"B{n}", n, "I2", "2024-05-01")
    city.claim("B8", 8, "I2", "2024-05-02")
    city.claim("B6", 6, "I2", "2024-05-04")  # outside the 3-day window [05-01, 05-04)
    rows = city.run("MI05")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [("I1", "2024-03-01")]


def test_mi06_frequent_admissions(city):
    for i, d in enumerate(["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-30"]):
        city.claim(f"A{i}", 1, "I1", d)  # four within [01-01, 03-31) -> hit
    for i, d in enumerate(["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-31"]):
        city.claim(f"B{i}", 2, "I1", d)  # the fourth falls on day 90 -> no hit
    rows = city.run("MI06")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [(city.pid(1), "2024-01-01")]


# ---- social_insurance ------------------------------------------------------------------------


def _pension(city, pay_id, n, period):
    city.put(
        city.db,
        "human_resources.pension_payments",
        [
            {
                "payment_id": pay_id,
                "id_no": city.pid(n),
                "period": period,
                "amount": 3000,
                "pay_date": f"{period}-10",
            }
        ],
    )


def test_si01_pension_after_death(city):
    city.death_certificate(1, "2024-03-31")
    city.death_certificate(2, "2024-03-31")
    _pension(city, "P1", 1, "2024-04")
    _pension(city, "P2", 2, "2024-03")
    assert city.flagged("SI01") == {city.pid(1)}


def test_si02_unemployment_while_employed(city):
    for n in (1, 2):
        city.put(
            city.db,
            "human_resources.unemployment_benefits",
            [
                {
                    "payment_id": f"U{n}",
                    "id_no": city.pid(n),
                    "period": "2024-03",
                    "amount": 1500,
                    "pay_date": "2024-03-20",
                }
            ],
        )
    city.contribution(1, "2024-03", 3000)
    city.contribution(2, "2024-02", 3000)  # previous month only -> no hit
    assert city.flagged("SI02") == {city.pid(1)}


def test_si03_ghost_post(city):
    city.post("P1", 1)
    city.death_certificate(1, "2024-05-01")  # open post, dead long ago -> hit
    city.post("P2", 2, end="2024-05-20")
    city.death_certificate(2, "2024-05-01")  # ended 19 days after
    city.post("P3", 3)
    city.custody("K3", 3, "2024-02-10", "2024-03-31")  # covers all of March -> hit
    city.post("P4", 4)
    city.custody("K4", 4, "2024-02-10", "2024-03-20")  # no whole month -> no hit
    rows = city.run("SI03")
    assert {r["subject_id"] for r in rows} == {city.pid(1), city.pid(3)}
    assert {r["evidence_key"] for r in rows} == {"P1/death", "P3/K3"}


def test_si04_post_for_official_relative(city):
    city.person(10, "HO")
    city.person(1, "HO", relation="CHILD")
    city.official("A1", 10, unit=UNIT, start="2020-01-01")
    city.post("P1", 1, start="2023-01-01")  # child of an official of the employing unit -> hit
    city.official("A2", 20, unit="OTHER", start="2020-01-01")
    city.put(
        city.db,
        "discipline.official_relatives",
        [
            {
                "official_id_no": city.pid(20),
                "relative_id_no": city.pid(2),
                "relation": "SIBLING",
                "declared_date": "2021-01-01",
            }
        ],
    )
    city.post("P2", 2, start="2023-01-01", region=OTHER_REGION)  # official of another unit/region -> no hit
    city.official("A3", 30, rank="VILLAGE", unit="VC", region=REGION, start="2024-01-01")
    city.put(
        city.db,
        "discipline.official_relatives",
        [
            {
                "official_id_no": city.pid(30),
                "relative_id_no": city.pid(3),
                "relation": "SIBLING",
                "declared_date": "2024-01-01",
            }
        ],
    )
    city.post("P3", 3, start="2023-06-01")  # village official appointed after the post started -> no hit
    city.post("P4", 3, start="2024-06-01", unit="OTHER2")  # after appointment -> hit via village official
    rows = city.run("SI04")
    assert {(r["subject_id"], r["evidence_key"]) for r in rows} == {(city.pid(1), "P1"), (city.pid(3), "P4")}


def test_si05_post_holder_with_wage(city):
    city.post("P1", 1, start="2024-01-01")
    city.post("P2", 2, start="2024-01-01", end="2024-02-29")
    city.contribution(1, "2024-03", 5000)  # hit
    city.contribution(2, "2024-03", 5000)  # after the post ended -> no hit
    city.contribution(2, "2024-02", 3000)  # below wage_min -> no hit
    assert city.flagged("SI05") == {city.pid(1)}


# ---- farm_subsidies --------------------------------------------------------------------------


def _farm(city, pay_id, n, year, area, village=REGION):
    city.put(
        city.db,
        "agriculture.farm_subsidies",
        [
            {
                "payment_id": pay_id,
                "id_no": city.pid(n),
                "village_code": village,
                "subsidy_year": year,
                "subsidized_area_mu": area,
                "amount": area * 100,
                "pay_date": f"{year}-05-01",
            }
        ],
    )


def _land(city, right_id, n, area, village=REGION):
    city.put(
        city.db,
        "agriculture.land_contracts",
        [{"right_id": right_id, "id_no": city.pid(n), "village_code": village, "contracted_area_mu": area}],
    )


def test_ag01_area_exceeds_contract(city):
    _land(city, "R1", 1, 10)
    _land(city, "R2", 2, 10)
    _farm(city, "F1", 1, 2024, 12)  # 12 > 11 -> hit
    _farm(city, "F2", 2, 2024, 11)  # 11 = 1.1 x 10 -> no hit
    _farm(city, "F3", 3, 2024, 1, village=OTHER_REGION)  # no contract counts as 0 -> hit
    rows = city.run("AG01")
    assert {(r["subject_id"], r["evidence_key"]) for r in rows} == {
        (city.pid(1), f"{REGION}/2024"),
        (city.pid(3), f"{OTHER_REGION}/2024"),
    }


def test_ag02_farm_subsidy_after_death(city):
    city.death_certificate(1, "2023-06-01")
    city.death_certificate(2, "2023-06-01")
    _farm(city, "F1", 1, 2024, 5)
    _farm(city, "F2", 2, 2023, 5)  # year of death -> no hit
    assert city.flagged("AG02") == {city.pid(1)}


def test_ag03_duplicate_farm_subsidy(city):
    _farm(city, "F1", 1, 2024, 5)
    _farm(city, "F2", 1, 2024, 5)
    _farm(city, "F3", 2, 2023, 5)
    _farm(city, "F4", 2, 2024, 5)
    rows = city.run("AG03")
    assert [(r["subject_id"], r["evidence_key"], r["amount"]) for r in rows] == [(city.pid(1), "2024", 500)]


def _eco(city, pay_id, n, year, area, village=REGION):
    city.put(
        city.db,
        "forestry.eco_compensation",
        [
            {
                "payment_id": pay_id,
                "id_no": city.pid(n),
                "village_code": village,
                "comp_year": year,
                "forest_area_mu": area,
                "amount": area * 10,
            }
        ],
    )


def test_ag04_forest_compensation_exceeds_tenure(city):
    for n in (1, 2):
        city.put(
            city.db,
            "forestry.forest_rights",
            [{"right_id": f"FR{n}", "id_no": city.pid(n), "village_code": REGION, "forest_area_mu": 100}],
        )
    _eco(city, "E1", 1, 2024, 60)
    _eco(city, "E2", 1, 2024, 60)  # 120 > 110 -> hit
    _eco(city, "E3", 2, 2024, 105)  # within tolerance -> no hit
    assert city.flagged("AG04") == {city.pid(1)}


def test_ag05_forest_compensation_after_death(city):
    city.death_certificate(1, "2023-06-01")
    city.death_certificate(2, "2023-06-01")
    _eco(city, "E1", 1, 2024, 5)
    _eco(city, "E2", 2, 2023, 5)
    assert city.flagged("AG05") == {city.pid(1)}


# ---- housing_security ------------------------------------------------------------------------


def test_ho01_tenant_household_owns_home(city):
    city.person(1, "H1")
    city.person(3, "H1", relation="SPOUSE")
    city.person(2, "H2")
    city.lease("L1", 1)
    city.lease("L2", 2, end="2023-12-31")
    city.title("T1", 3, reg_date="2024-02-01")  # during an open lease -> hit
    city.title("T2", 2, reg_date="2024-02-01")  # after the lease ended -> no hit
    city.title("T3", 2, ptype="COMMERCIAL", reg_date="2020-01-01")  # not residential -> no hit
    assert city.flagged("HO01") == {city.pid(1)}


def test_ho02_tenant_household_owns_expensive_car(city):
    city.person(1, "H1")
    city.person(3, "H1", relation="CHILD")
    city.person(2, "H2")
    city.lease("L1", 1)
    city.lease("L2", 2)
    city.car("CAR1", 3, 150000)
    city.car("CAR2", 2, 90000)  # below 100000 -> no hit
    city.car("CAR3", 2, 200000, status="SCRAPPED")  # not active -> no hit
    assert city.flagged("HO02") == {city.pid(1)}


def test_ho03_lease_after_death_or_prison(city):
    city.lease("L1", 1)
    city.death_certificate(1, "2024-01-01")  # open, long after death -> hit
    city.lease("L2", 2)
    city.death_certificate(2, "2025-05-01")  # within grace -> no hit
    city.lease("L3", 3)
    city.custody("K3", 3, "2024-06-01")  # in prison for a year -> hit
    city.lease("L4", 4)
    city.custody("K4", 4, "2024-06-01", kind="DETENTION")  # detention -> no hit
    city.lease("L5", 5, subsidy=0)
    city.death_certificate(5, "2024-01-01")  # no subsidy -> no hit
    rows = city.run("HO03")
    assert {(r["subject_id"], r["evidence_key"]) for r in rows} == {
        (city.pid(1), "L1/death"),
        (city.pid(3), "L3/K3"),
    }


# ---- special_groups --------------------------------------------------------------------------


def test_sg01_no_valid_certificate(city):
    city.certificate("D1", 1, 2, until="2024-02-29")
    city.certificate("D2", 2, 2, until="2024-03-01")
    city.disability("S1", 1, "2024-03")  # expired the day before -> hit
    city.disability("S2", 2, "2024-03")  # valid on the first day -> no hit
    city.certificate("D3", 3, 2, status="CANCELLED")
    city.disability("S3", 3, "2024-03")  # cancelled certificate -> hit
    assert city.flagged("SG01") == {city.pid(1), city.pid(3)}


def test_sg02_care_subsidy_mild_grade(city):
    city.certificate("D1", 1, 3)
    city.certificate("D2", 2, 2)
    city.certificate("D4", 4, 4)
    city.disability("S1", 1, "2024-03", stype="CARE")  # grade 3 -> hit
    city.disability("S2", 2, "2024-03", stype="CARE")  # grade 2 -> no hit
    city.disability("S4", 4, "2024-03", stype="LIVING")  # living subsidy -> no hit
    assert city.flagged("SG02") == {city.pid(1)}


def test_sg03_disability_subsidy_after_death(city):
    city.death_certificate(1, "2024-02-10")
    city.death_certificate(2, "2024-02-10")
    city.disability("S1", 1, "2024-03")
    city.disability("S2", 2, "2024-02")
    assert city.flagged("SG03") == {city.pid(1)}


def test_sg04_veteran_benefit_after_death(city):
    city.death_certificate(1, "2024-02-10")
    city.death_certificate(2, "2024-02-10")
    for pay_id, n, per in (("V1", 1, "2024-03"), ("V2", 2, "2024-02")):
        city.put(
            city.db,
            "veterans.benefit_payments",
            [
                {
                    "payment_id": pay_id,
                    "id_no": city.pid(n),
                    "benefit_type": "PENSION",
                    "period": per,
                    "amount": 900,
                }
            ],
        )
    assert city.flagged("SG04") == {city.pid(1)}


def test_sg05_aid_to_well_off_family(city):
    city.person(11, "H1")
    city.person(1, "H1", relation="CHILD")
    city.person(13, "H1", relation="SPOUSE")
    city.person(12, "H2")
    city.person(2, "H2", relation="CHILD")
    city.person(14, "H4")
    city.person(4, "H4", relation="CHILD")
    city.aid("A1", 1, 11)
    city.aid("A2", 2, 12)
    city.aid("A4", 4, 14)
    city.car("CAR1", 13, 150000)  # guardian's spouse -> hit
    city.title("T2", 12)  # one home only -> no hit
    city.put(
        city.db,
        "taxation.individual_income",
        [
            {
                "id_no": city.pid(12),
                "tax_year": 2024,
                "total_income": 200000,
                "tax_paid": 1,
            },  # same year, not -1
            {"id_no": city.pid(14), "tax_year": 2023, "total_income": 130000, "tax_paid": 1},  # hit
        ],
    )
    rows = city.run("SG05")
    assert {r["subject_id"] for r in rows} == {city.pid(1), city.pid(4)}


def test_sg06_aid_to_official_child(city):
    city.aid("A1", 1, 11, year=2024)
    city.aid("A2", 2, 12, year=2024)
    city.aid("A3", 3, 13, year=2024)
    city.official("O1", 11, rank="DIVISION", start="2024-09-01")  # in office on 1 September -> hit
    city.official("O2", 12, rank="VILLAGE")  # village rank -> no hit
    city.official("O3", 13, rank="BUREAU", end="2024-08-31")  # left the day before -> no hit
    rows = city.run("SG06")
    assert {r["subject_id"] for r in rows} == {city.pid(1)}


# ---- disaster_relief -------------------------------------------------------------------------


def test_re01_relief_outside_affected_area(city):
    city.event("EV1", REGION)
    city.person(1, "H1", region=OTHER_REGION)  # registered outside the affected area -> hit
    city.person(2, "H2", region=REGION)
    city.relief("R1", 1, "EV1")
    city.relief("R2", 2, "EV1")
    assert city.flagged("RE01") == {city.pid(1)}


def test_re01_uses_registration_as_of_event_date(city):
    city.event("EV1", REGION, date="2024-07-01")
    # moved out of the affected region after the event: region as of the event date counts
    city.put(
        city.db,
        "public_security.household_registration",
        [
            {
                "id_no": city.pid(1),
                "name": "a",
                "gender": "F",
                "birth_date": "1980-01-01",
                "household_id": "H1",
                "relation_to_head": "HEAD",
                "region_code": REGION,
                "status": "ACTIVE",
            }
        ],
        valid_from="2024-01-01",
        valid_to="2024-09-01",
    )
    city.person(1, "H9", region=OTHER_REGION, changed_at="2024-09-01T00:00:00")
    city.relief("R1", 1, "EV1", pay_date="2024-10-01")
    assert city.flagged("RE01") == set()


def test_re02_relief_twice(city):
    city.relief("R1", 1, "EV1")
    city.relief("R2", 1, "EV1")
    city.relief("R3", 2, "EV1")
    city.relief("R4", 2, "EV2")
    rows = city.run("RE02")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [(city.pid(1), "EV1")]


def test_re03_outsized_relief_to_village_official_kin(city):
    city.person(50, "HV")
    city.person(1, "HV", relation="CHILD")
    city.official("V1", 50, rank="VILLAGE", unit="VC", region=REGION, start="2020-01-01")
    city.person(2, "H2")
    for n in range(3, 8):
        city.relief(f"R{n}", n, "EV1", amount=1000)
    city.relief("R1", 1, "EV1", amount=2000)  # official's child, 2 x median -> hit
    city.relief("R2", 2, "EV1", amount=3000)  # unrelated -> no hit
    city.relief("R50", 50, "EV1", amount=1200)  # official himself but not outsized -> no hit
    rows = city.run("RE03")
    assert [(r["subject_id"], r["evidence_key"], r["unit_code"]) for r in rows] == [(city.pid(1), "R1", "VC")]


# ---- fiscal_funds ----------------------------------------------------------------------------


def test_fi04_one_card_subsidy_after_death(city):
    city.death_certificate(1, "2024-03-01")
    city.death_certificate(2, "2024-03-01")
    for pay_id, n, d in (("S1", 1, "2024-04-02"), ("S2", 2, "2024-04-01")):  # 32 vs 31 days
        city.put(
            city.db,
            "finance.subsidy_payments",
            [
                {
                    "payment_id": pay_id,
                    "id_no": city.pid(n),
                    "subsidy_type": "FARM",
                    "issuing_department": "agri",
                    "amount": 200,
                    "pay_date": d,
                    "bank_account": "B",
                    "region_code": REGION,
                    "changed_at": "2024-04-02T00:00:00",
                }
            ],
        )
    rows = city.run("FI04")
    assert [(r["subject_id"], r["evidence_key"]) for r in rows] == [(city.pid(1), "S1")]
