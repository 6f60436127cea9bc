"""The Mesa model: six ``StateActor`` agents carrying their payoffs, solving
their stage games each month (``choice``), with per-replicate random streams
(``streams``) and a recorder of the tidy table (``recorder``)."""
