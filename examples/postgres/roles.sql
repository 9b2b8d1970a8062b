-- RENEC Harvester on PostgreSQL: the operations guide's two roles, run once
-- by a superuser (psql -v ON_ERROR_STOP=1 -f roles.sql). Change the passwords.
--   api_user       owns the database; the harvester's node syncs with it
--                  (it creates and migrates the schema).
--   readonly_user  SELECT only; `serve --read-from postgres` nodes use it,
--                  on the primary or on a streaming replica.
CREATE ROLE api_user LOGIN PASSWORD 'CHANGE-ME-api';
CREATE ROLE readonly_user LOGIN PASSWORD 'CHANGE-ME-readonly';
CREATE DATABASE renec OWNER api_user;
\connect renec
GRANT CONNECT ON DATABASE renec TO readonly_user;
GRANT USAGE ON SCHEMA public TO readonly_user;
-- Every table api_user creates, now and in later schema versions, is readable.
ALTER DEFAULT PRIVILEGES FOR ROLE api_user IN SCHEMA public GRANT SELECT ON TABLES TO readonly_user;
