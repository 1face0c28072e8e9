# (filled by the oqsfolder work)
