-- Run once by the postgres image, when its data volume is empty (not on later starts:
-- to change a password afterwards, ALTER ROLE ... PASSWORD by hand).
-- Temporal and the application each get a role that owns only its own databases, so
-- neither can read the other's: Temporal's tables hold encrypted payloads, the
-- application's hold the clinical events in clear.
-- The passwords come from docker-compose.yml (the postgres service's environment).

\getenv temporal_password TEMPORAL_DB_PASSWORD
\getenv pathway_password PATHWAY_DB_PASSWORD

CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;

CREATE ROLE pathway LOGIN PASSWORD :'pathway_password';
CREATE DATABASE pathway OWNER pathway;

-- Every role may connect to every database by default (PUBLIC); only owners may here.
REVOKE ALL ON DATABASE temporal, temporal_visibility, pathway FROM PUBLIC;
