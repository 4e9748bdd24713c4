UPDATE runtime_processes SET seen_at = now() WHERE process_id = $1
