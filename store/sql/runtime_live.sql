-- Processes seen within the last $1 seconds.
SELECT process_id, kind, host, pid, rulesets, started_at, seen_at FROM runtime_processes
WHERE seen_at > now() - make_interval(secs => $1)
ORDER BY kind, started_at
