"""Looking at runs: the plots (matplotlib, the optional extra ``report``), the runs read back from their folders,
and the self-contained HTML report. Imported by the ``report`` command and ``evaluate --plot`` only."""
