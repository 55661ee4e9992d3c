"""碼上監督: the public disclosure site per village and unit (``site``), its QR codes and posters
(``qr``), the masking rules of what it publishes (``masking``) and the complaint intake service whose
complaints come back as a ``discipline.complaints`` delivery (``intake``). docs/public.md."""
