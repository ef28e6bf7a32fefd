"""Agreement with the truth: the statistics (:mod:`.stats`), scores against clinicians' (:mod:`.scores`) and
masks against reference masks (:mod:`.masks`)."""
