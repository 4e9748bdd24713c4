-- Centres with items no sent digest carries (never attached, or attached to one not sent).
SELECT DISTINCT i.centre_id
FROM digest_items AS i
LEFT JOIN digests AS d ON d.digest_id = i.digest_id
WHERE d.status IS DISTINCT FROM 'sent'
ORDER BY i.centre_id
