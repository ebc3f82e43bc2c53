"""The engines: the Mesa model (the readable reference) and the array engine (the fast default), the
random-number layout they share, the policy's run-time objects, the ledger, and `simulate`."""
