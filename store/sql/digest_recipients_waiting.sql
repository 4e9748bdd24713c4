-- Recipients of these centres with items for a digest of day $2: never attached, or attached
-- to an earlier digest that could not be sent (waiting for an address, failed for good).
SELECT DISTINCT i.centre_id, i.role, i.recipient_id
FROM digest_items AS i
LEFT JOIN digests AS d ON d.digest_id = i.digest_id
WHERE i.centre_id = ANY($1::text[])
  AND (i.digest_id IS NULL OR (d.status IN ('waiting', 'failed') AND d.day < $2))
UNION
SELECT centre_id, role, recipient_id FROM digests
WHERE centre_id = ANY($1::text[]) AND day = $2 AND status <> 'sent'
ORDER BY 1, 2, 3
