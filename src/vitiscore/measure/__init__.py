"""From masks to numbers: pixel areas (:mod:`.area`), surface-true accounting over the face mesh
(:mod:`.surface`), the three F-VASIs and the one hand-unit rule (:mod:`.fvasi`), absolute scale from the iris
and the patient's hand unit (:mod:`.scale`), skin tone (:mod:`.skin_tone`), and any photo-sized mask scored
(:mod:`.mask_score`)."""
