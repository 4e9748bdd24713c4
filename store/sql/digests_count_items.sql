UPDATE digests SET items = (SELECT count(*) FROM digest_items WHERE digest_id = $1) WHERE digest_id = $1
