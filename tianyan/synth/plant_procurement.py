"""Planted cases of Cardinal's procurement indicators (PR09-PR16): positives and near-misses.

PR09, PR10, PR12, PR15 and PR16 compare a tender, bidder or buyer to the whole city (interquartile fences),
so their positives sit far outside the background's bands (economy.procurement: gaps uniform in
[0.04, 0.08], regular bidders winning and disqualified at even shares) and every other planted tender keeps
an in-band gap (plant_tenders.rival). Near-misses are the cases each rule leaves out on purpose.
Tenders whose bids are disqualified get a buyer of their own, so that only PR15's buyers disqualify often."""

from __future__ import annotations

from tianyan.synth.plant import Planter
from tianyan.synth.plant_tenders import bid, firm, rival, tender


def _bid_at(planter: Planter, tid: str, day: int, clock: str, supplier: str, amount: float, result: str) -> None:
    k = planter.serial()
    planter.add("public_resources.bids", day, tender_id=tid, bidder_uscc=supplier, bid_amount=f"{amount:.2f}",
                submitted_at=planter.cal.t(day, clock), contact_phone=f"1390000{k:04d}",
                submit_ip=f"172.17.{k // 256 % 256}.{k % 256}", result=result)


def plant_pr09(planter: Planter) -> None:  # Cardinal R024: price close to the winning bid
    unit = planter.unit()
    for second in (900_900.0, 901_800.0):
        tid, dl = tender(planter, unit)
        bid(planter, tid, dl, firm(planter), 900_000, "WON")
        bid(planter, tid, dl, firm(planter), second)
        bid(planter, tid, dl, firm(planter), second * 1.03)
        planter.answer("PR09", 1, tid, f"second-lowest valid bid {second:.0f} against a winning 900000", kind="tender")
    tid, dl = tender(planter, planter.unit())  # a disqualified bid: its own buyer (PR15)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    bid(planter, tid, dl, firm(planter), 900_450, "DISQUALIFIED")
    bid(planter, tid, dl, firm(planter), rival(planter, 900_000))
    planter.answer("PR09", 0, tid, "near-miss: the close bid was disqualified; the lowest valid rival is in band",
                   kind="tender")
    tid, dl = tender(planter, unit)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    bid(planter, tid, dl, firm(planter), 899_100)
    bid(planter, tid, dl, firm(planter), rival(planter, 900_000))
    planter.answer("PR09", 0, tid, "near-miss: a lower bid lost (not price-only): left out, as in Cardinal", kind="tender")


def plant_pr10(planter: Planter) -> None:  # Cardinal R058: heavily discounted bid
    unit = planter.unit()
    for won in (600_000.0, 700_000.0):
        tid, dl = tender(planter, unit)
        bid(planter, tid, dl, firm(planter), won, "WON")
        bid(planter, tid, dl, firm(planter), 980_000)
        planter.answer("PR10", 1, tid, f"winning bid {won:.0f}, the next valid bid 980000", kind="tender")
    tid, dl = tender(planter, unit)
    bid(planter, tid, dl, firm(planter), 600_000, "WON")
    bid(planter, tid, dl, firm(planter), rival(planter, 600_000))
    bid(planter, tid, dl, firm(planter), 980_000)
    planter.answer("PR10", 0, tid, "near-miss: far below one rival, but the second-lowest bid is in band", kind="tender")
    tid, dl = tender(planter, planter.unit(), method="INVITED")  # a disqualified bid: its own buyer (PR15)
    bid(planter, tid, dl, firm(planter), 600_000, "WON")
    bid(planter, tid, dl, firm(planter), 980_000, "DISQUALIFIED")
    planter.answer("PR10", 0, tid, "near-miss: the only rival was disqualified: no second valid bid", kind="tender")


def plant_pr11(planter: Planter) -> None:  # Cardinal R028: identical bid prices
    unit = planter.unit()
    tid, dl = tender(planter, unit)
    same = rival(planter, 900_000)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    bid(planter, tid, dl, firm(planter), same)
    bid(planter, tid, dl, firm(planter), same)
    planter.answer("PR11", 1, tid, f"two losing bids of {same:.2f}", kind="tender")
    tid, dl = tender(planter, planter.unit())  # a disqualified bid: its own buyer (PR15)
    same = rival(planter, 900_000)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    bid(planter, tid, dl, firm(planter), same)
    bid(planter, tid, dl, firm(planter), same, "DISQUALIFIED")
    planter.answer("PR11", 1, tid, f"a valid and a disqualified bid of {same:.2f} (Cardinal's fixture)", kind="tender")
    tid, dl = tender(planter, unit)
    same = rival(planter, 900_000)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    bid(planter, tid, dl, firm(planter), same)
    bid(planter, tid, dl, firm(planter), same + 0.01)
    planter.answer("PR11", 0, tid, "near-miss: two losing bids one cent apart", kind="tender")


def plant_pr12(planter: Planter) -> None:  # Cardinal R025: excessive unsuccessful bids
    unit = planter.unit()
    always, once, fair = firm(planter), firm(planter), firm(planter)
    for i in range(24):
        tid, dl = tender(planter, unit, publish=-600 + 15 * i)
        winner = once if i == 0 else fair if i <= 6 else firm(planter)
        others = [f for f in (always, once, fair) if f != winner]
        bid(planter, tid, dl, winner, 900_000, "WON")
        first = rival(planter, 900_000)
        for j, f in enumerate(others):
            bid(planter, tid, dl, f, round(first * 1.02 ** j, 2))
    planter.answer("PR12", 1, always, "24 valid bids, none won", kind="enterprise")
    planter.answer("PR12", 1, once, "24 valid bids, one won", kind="enterprise")
    planter.answer("PR12", 0, fair, "near-miss: 24 valid bids, 6 won (the market's share)", kind="enterprise")


def plant_pr13(planter: Planter) -> None:  # Cardinal R030: late bid won
    unit = planter.unit()
    for late, clock in ((1, "09:30:00"), (6, "15:00:00")):
        tid, dl = tender(planter, unit)
        _bid_at(planter, tid, dl + late, clock, firm(planter), 900_000, "WON")
        bid(planter, tid, dl, firm(planter), rival(planter, 900_000))
        planter.answer("PR13", 1, tid, f"the winning bid came {late} day(s) after the deadline", kind="tender")
    tid, dl = tender(planter, unit)
    _bid_at(planter, tid, dl, "23:50:00", firm(planter), 900_000, "WON")
    bid(planter, tid, dl, firm(planter), rival(planter, 900_000))
    planter.answer("PR13", 0, tid, "near-miss: won with a bid of the deadline day's last minutes", kind="tender")
    tid, dl = tender(planter, unit)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    _bid_at(planter, tid, dl + 2, "10:00:00", firm(planter), rival(planter, 900_000), "LOST")
    planter.answer("PR13", 0, tid, "near-miss: the late bid lost", kind="tender")


def plant_pr14(planter: Planter) -> None:  # Cardinal R036: lowest bid disqualified (price-only award)
    for dq, exp, method, note in ((800_000.0, 1, "INQUIRY", "inquiry: the lowest bid disqualified"),
                                  (880_000.0, 1, "INQUIRY", "inquiry: the lowest bid disqualified"),
                                  (800_000.0, 0, "OPEN", "near-miss: the same on an open tender, not price-only"),
                                  (950_000.0, 0, "INQUIRY", "near-miss: the disqualified bid was not the lowest")):
        # disqualifies: its own buyer (PR15); inquiries run a week, open tenders their legal 20+ days (PR07)
        tid, dl = tender(planter, planter.unit(), method=method, span=7 if method == "INQUIRY" else 25)
        bid(planter, tid, dl, firm(planter), dq, "DISQUALIFIED")
        bid(planter, tid, dl, firm(planter), 900_000, "WON")
        bid(planter, tid, dl, firm(planter), rival(planter, 900_000))
        planter.answer("PR14", exp, tid, f"{note} ({dq:.0f} against a winning 900000)", kind="tender")


def plant_pr15(planter: Planter) -> None:  # Cardinal R038 per buyer: excessive disqualified bids
    for n_tenders, n_dq, exp in ((2, 3, 1), (2, 2, 1), (1, 3, 0)):
        unit = planter.unit()
        for _ in range(n_tenders):
            tid, dl = tender(planter, unit)
            second = rival(planter, 900_000)
            bid(planter, tid, dl, firm(planter), 900_000, "WON")
            bid(planter, tid, dl, firm(planter), second)
            for j in range(n_dq):
                bid(planter, tid, dl, firm(planter), round(second * 1.02 ** (j + 1), 2), "DISQUALIFIED")
        share = f"{n_tenders * n_dq} of {n_tenders * (n_dq + 2)} bids disqualified over {n_tenders} tender(s)"
        planter.answer("PR15", exp, unit, share if exp else f"near-miss: {share}, below min_tenders", kind="unit")


def plant_pr16(planter: Planter) -> None:  # Cardinal R038 per tenderer: excessive disqualified bids
    for results, exp in ((("DISQUALIFIED",) * 3 + ("LOST",), 1), (("DISQUALIFIED",) * 2, 1), (("DISQUALIFIED",), 0)):
        tenderer = firm(planter)
        for result in results:
            tid, dl = tender(planter, planter.unit())  # disqualifies: its own buyer (PR15)
            second = rival(planter, 900_000)
            bid(planter, tid, dl, firm(planter), 900_000, "WON")
            bid(planter, tid, dl, firm(planter), second)
            bid(planter, tid, dl, tenderer, round(second * 1.02, 2), result)
        share = f"{results.count('DISQUALIFIED')} of {len(results)} bids disqualified"
        planter.answer("PR16", exp, tenderer, share if exp else f"near-miss: {share}, below min_bids", kind="enterprise")


# The cases in the order plant.plant_all plants them (it fixes every planted id): a new case goes at the end.
CASES = (plant_pr09, plant_pr10, plant_pr11, plant_pr12, plant_pr13, plant_pr14, plant_pr15, plant_pr16)
