"""The one execution engine for every batch of model runs (ensembles,
comparisons, sweeps, sensitivity designs): a planner cuts runs into batches
(``planner``), executors run them here, in processes or on Dask
(``executors``), checkpoints make them resumable (``store``), and ``batches``
ties them together."""
