-- The evidence rows of every alert the model produced, one per element of its evidence array,
-- replaced on every run.
delete from alerts.alert_evidence as e
using _alerts as a
where e.alert_id = a.alert_id;

insert into alerts.alert_evidence (alert_id, seq, source_feed, source_key, matched)
select
    a.alert_id,
    cast(x.ord as int) as seq,
    x.item ->> 'feed' as source_feed,
    x.item ->> 'key' as source_key,
    x.item -> 'values' as matched
from _alerts as a
cross join lateral jsonb_array_elements(
    case when jsonb_typeof(a.evidence) = 'array' then a.evidence else cast('[]' as jsonb) end
) with ordinality as x (item, ord)
