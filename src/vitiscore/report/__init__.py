"""What a person looks at or opens: overlay pictures (:mod:`.overlay`), plots (:mod:`.plots`), terminal tables
(:mod:`.tables`), the files of ``validate`` (:mod:`.validation`) and ``compare`` (:mod:`.comparison`, with the
repigmentation maps), and the HTML report (:mod:`.html`)."""
