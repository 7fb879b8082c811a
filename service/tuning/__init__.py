"""Tuning SIT definitions: a draft tried against samples, with the reasons for every
candidate that did not match. One module per job; every front end calls ``try_draft``."""

from service.tuning.draft import Draft, DraftError, DraftFormat, load_draft
from service.tuning.run import DraftLimits, DraftTrial, try_draft

__all__ = ["Draft", "DraftError", "DraftFormat", "DraftLimits", "DraftTrial", "load_draft", "try_draft"]
