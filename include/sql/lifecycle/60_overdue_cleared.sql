-- An alert that left ASSIGNED (an outcome, resolved by data) is no longer overdue.
update alerts.alert
set overdue_since = null
where overdue_since is not null and status <> 'ASSIGNED'
