"""Stop a checkpointed run after a given number of chunks, as Ctrl-C would (shared by the checkpoint tests)."""
from alliance_sim.engine import batches


class Stop(KeyboardInterrupt):
    pass


def interrupt_after(monkeypatch, k):
    """Make the k+1-th chunk computed in this process raise Ctrl-C; returns the list of chunks computed."""
    calls = []
    real = batches.compute_batch

    def fake(job, *args, **kwargs):
        if len(calls) == k:
            raise Stop()
        calls.append((job.lo, job.hi))
        return real(job, *args, **kwargs)

    monkeypatch.setattr(batches, "compute_batch", fake)
    return calls
