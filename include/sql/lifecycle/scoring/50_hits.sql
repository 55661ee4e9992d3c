-- The alerts this run produced, kept as the model's latest hits: a later date whose run is carried
-- forward (alerts.scoring_runs status CARRIED) produces exactly these again.
delete from alerts.model_hits
where model_id = :model_id;

insert into alerts.model_hits (model_id, alert_id)
select
    :model_id,
    a.alert_id
from _alerts as a
