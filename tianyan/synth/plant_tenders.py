"""Tenders, bids and bidders for the planted procurement cases (plant_money's PR01-PR08 and
plant_procurement's PR09-PR16): one home, so that every planted tender keeps a bid gap inside the
background's band (``rival``) whichever module plants it."""

from __future__ import annotations

from tianyan.synth.plant import Planter


def procurement_contract(planter: Planter, unit: str, supplier: str, amount: float, sign: int = -100, tender: str | None = None) -> None:
    planter.add("public_resources.contracts", sign, contract_id=f"HTPP{planter.serial():05d}", tender_id=tender, buyer_unit_code=unit,
                supplier_uscc=supplier, amount=f"{amount:.2f}", sign_date=planter.date(sign), signer_id_no=None)


def tender(planter: Planter, unit: str, method: str = "OPEN", publish: int = -200, span: int = 25,
            budget: float = 1_000_000) -> tuple[str, int]:
    tid = f"ZBP{planter.serial():05d}"
    planter.add("public_resources.tenders", publish, tender_id=tid, buyer_unit_code=unit, title="植入采购项目",
                category="GOODS", method=method, budget_amount=f"{budget:.2f}", publish_date=planter.date(publish),
                bid_deadline=planter.date(publish + span), region_code=str(planter.city.districts[0]) + "000000")
    return tid, publish + span


def bid(planter: Planter, tid: str, deadline: int, supplier: str, amount: float, result: str = "LOST",
         phone: str | None = None, ip: str | None = None) -> None:
    k = planter.serial()
    planter.add("public_resources.bids", deadline, tender_id=tid, bidder_uscc=supplier, bid_amount=f"{amount:.2f}",
                submitted_at=planter.cal.t(deadline - 1, f"10:{k % 60:02d}:00"), contact_phone=phone or f"1390000{k:04d}",
                submit_ip=ip or f"172.16.{k // 256 % 256}.{k % 256}", result=result)


def firm(planter: Planter, est: int = -3000, **kw) -> str:
    return planter.enterprise(planter.person(age=45), est=est, **kw)


def gap(planter: Planter) -> float:
    """A bid gap inside the background's band [0.04, 0.08] (PR09/PR10 compare every tender's gap to the city's),
    spread evenly over [0.045, 0.075] so that the planted tenders do not pile up on one value."""
    return 0.045 + 0.03 * ((planter.serial() * 0.6180339887) % 1)


def rival(planter: Planter, won: float, j: int = 0) -> float:
    """The j-th losing bid above a winning bid: the first at an in-band gap, the next 2% apart."""
    return round(won * (1 + gap(planter)) * (1.02 ** j), 2)


def ordinary_tender(planter: Planter, unit: str, method="OPEN", span=25, n_valid=3, won=900_000.0, budget=1_000_000.0,
                     publish=-200) -> str:
    tid, dl = tender(planter, unit, method, publish=publish, span=span, budget=budget)
    bid(planter, tid, dl, firm(planter), won, "WON")
    first = rival(planter, won)
    for j in range(n_valid - 1):
        bid(planter, tid, dl, firm(planter), round(first * 1.02 ** j, 2))
    return tid
