"""`runbook batch --scheduler ADDRESS`: a batch's runs on a Dask distributed cluster (the optional extra
``pip install 'runbook-lib[dask]'``), each worker running its notebook headless exactly as `runbook run` does
(headless.run_notebook).

Every parameter file is checked here first, as `runbook run` checks it: a bad one is its row's one line and is never
sent. A worker runs into a temporary runs folder and sends the sealed run folder's files back; they land under
``runs`` (the batch's --output), are verified against their manifest, and only then get their line in
runs/index.jsonl (the line the worker's archive wrote, so it reads as a local run's). With ``shared=True`` the runs
folder is one every worker sees at the same path: the workers write there directly, index lines included.

The sandbox target is its estate file, passed by absolute path: right for workers on this machine (a LocalCluster)
or sharing that path. A cluster beyond one machine runs ``--target azure``; a worker that cannot see the estate file
says so rather than building an estate of its own.
"""
