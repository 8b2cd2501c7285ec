-- 0013: what `sonar report` reads by period. Detentions that ended in a period are found by
-- when they closed (those still open already have `detention_open`). Never edit once landed.
CREATE INDEX detention_closed ON detention (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX hcp_request_requested ON hcp_request (requested_at);
