-- Whether `serve --demo` made this data directory: only then may a later `serve --demo` reset
-- its office passwords and replace its demo tokens.
ALTER TABLE server_meta ADD COLUMN made_by_demo INTEGER NOT NULL DEFAULT 0;
-- A directory that an earlier `serve --demo` made before this column existed has its demo
-- administrator's device.
UPDATE server_meta SET made_by_demo = 1
WHERE EXISTS (SELECT 1 FROM devices WHERE label = 'demo admin console');
