DELETE FROM runtime_processes WHERE process_id = $1
