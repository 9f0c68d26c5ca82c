"""群机器人 channels: where a plan's (or a region's) notices are also posted.

A channel is one 钉钉 or 企业微信 group robot (an SMS gateway would be another kind,
see `robots.py`). Every notice raised through `agencies.notifications.notify` whose
kind is registered in `events.py` becomes one Delivery per matching channel, written
in the notice's own transaction (a transactional outbox), and is sent after commit by
a Celery job (`agencies.jobs.send_delivery`) with retries like a mail queue.

Modules: `models` (Channel, Delivery), `events` (the kinds that reach channels),
`messages` (the markdown), `robots` (the senders behind `send(message)`), `webhooks`
(URL rules and the connection guard), `crypto` (encryption at rest), `services`
(writes: configure, fan out, attempt, resend, pause), `selectors`, `api`, `views`.
"""
