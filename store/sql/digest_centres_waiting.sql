SELECT DISTINCT centre_id FROM digest_items WHERE digest_id IS NULL ORDER BY centre_id
