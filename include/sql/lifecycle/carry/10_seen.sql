-- Models carried forward to a new as-of date: their inputs did not change since their last run and
-- their rule does not depend on the date, so a run would produce that run's hits (alerts.model_hits)
-- again. This is what scoring/20_merge.sql does to an alert produced again: first_seen and last_seen
-- take in the date; status, evidence and amount stay (they are those of the same hits), no event is
-- written (none of them is RESOLVED: the last run reopened any that was), and scoring/30_resolve.sql
-- has nothing to resolve (the last run resolved every open alert it did not produce).
update alerts.alert as a
set
    first_seen = least(a.first_seen, cast(:as_of as date)),
    last_seen = greatest(a.last_seen, cast(:as_of as date))
from alerts.model_hits as h
where
    h.alert_id = a.alert_id
    and h.model_id = any(:model_ids)
    and (a.first_seen > cast(:as_of as date) or a.last_seen < cast(:as_of as date))
