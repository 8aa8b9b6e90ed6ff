-- Token events are recorded as model_created and model_deleted, like every other
-- object's: authentik's clients refuse an event list holding an action outside
-- authentik's own list. Every token_created / token_deleted row was written beside a
-- model_created / model_deleted of the same token, so the old rows go.
DELETE FROM events WHERE action IN ('token_created', 'token_deleted');
