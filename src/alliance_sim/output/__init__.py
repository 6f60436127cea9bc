"""What a run gives back: ``Results`` (``results``), files written atomically
(``io``), figures (``figures``) and term-by-term explanations (``explain``)."""
