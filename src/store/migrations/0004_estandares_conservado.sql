-- Version 4: a standard that left the catalogue keeps its last published
-- nivel, sector and committee (the listings do not publish them), with the
-- run they were last seen in.

ALTER TABLE estandares ADD COLUMN conservado_de_run INTEGER;
