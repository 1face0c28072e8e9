# (empty for now: filled by its issue)
