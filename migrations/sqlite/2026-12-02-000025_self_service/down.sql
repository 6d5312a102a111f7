DROP TABLE password_resets;
ALTER TABLE users DROP COLUMN signed_out_before;
ALTER TABLE users DROP COLUMN language;
