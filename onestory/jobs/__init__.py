"""Background jobs (ADR 0018): long work — an import, case finding — queued from a page or
the command line and run by `onestory worker`, with its progress, cancellation, retries and
result kept in a `Job`."""
