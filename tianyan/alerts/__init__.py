"""What happens to alerts after scoring: their lifecycle (the one owner of status), the notifications
to their owners and the daily report."""
