-- A model's hits (temp table _hits, the model's output) as alerts: alert_id = md5(model | subject kind |
-- subject | evidence key), so a re-run updates, never duplicates. One row per alert id (a model that
-- returns a subject twice keeps the row with the larger amount).
create temp table _alerts on commit drop as
select distinct on (x.alert_id) x.*
from (
    select
        md5(:model_id || '|' || h.subject_kind || '|' || h.subject_id || '|' || coalesce(h.evidence_key, ''))
            as alert_id,
        h.*
    from _hits as h
) as x
order by x.alert_id asc, x.amount desc nulls last
