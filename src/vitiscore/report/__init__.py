"""What a person looks at: overlay pictures (:mod:`.overlay`), plots (:mod:`.plots`) and terminal tables
(:mod:`.tables`)."""
