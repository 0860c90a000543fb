-- Temporal keeps its own databases on the same PostgreSQL server as Kami (auto-setup creates the schema).
CREATE DATABASE temporal OWNER kami;
CREATE DATABASE temporal_visibility OWNER kami;
