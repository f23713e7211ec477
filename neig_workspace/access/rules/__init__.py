"""Who may do what, one module per feature. Each module exports `ACTIONS` (action -> (object
type or None for a global action, check)), `VIEW_ACTION` (model -> the action that decides
whether an object may be seen at all), `VISIBLE` (model -> its visible_* clause builder) and
`SUBJECTS` (notification subject type -> user -> SELECT of the ids they may read now);
`access/registry.py` puts them together."""
