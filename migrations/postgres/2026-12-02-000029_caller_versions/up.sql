-- Who a user is to the authorization of a request (their role, dealer, sign-out time,
-- language, memberships, and the devices and stock locations they are responsible for) is
-- versioned: every change to those rows moves the user's caller_version on, in the
-- transaction that makes it. A server may then keep a caller it has read and reuse it while
-- the version it reads with each request is unchanged. The triggers are the rule, so that no
-- write path, in any process, can forget it.
ALTER TABLE users ADD COLUMN caller_version BIGINT NOT NULL DEFAULT 0;

CREATE INDEX site_assignments_site ON site_assignments (site_id);

CREATE FUNCTION users_caller_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.caller_version := OLD.caller_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_caller_changed
    BEFORE UPDATE OF staff_role, dealer_id, dealer_role, signed_out_before, language ON users
    FOR EACH ROW
    WHEN (OLD.staff_role IS DISTINCT FROM NEW.staff_role
       OR OLD.dealer_id IS DISTINCT FROM NEW.dealer_id
       OR OLD.dealer_role IS DISTINCT FROM NEW.dealer_role
       OR OLD.signed_out_before IS DISTINCT FROM NEW.signed_out_before
       OR OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION users_caller_changed();

-- A row of memberships, device_assignments, site_assignments or stock_assignments changed:
-- its user (before and after) is someone else now.
CREATE FUNCTION caller_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET caller_version = caller_version + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE users SET caller_version = caller_version + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER memberships_caller_changed AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION caller_rows_changed();
CREATE TRIGGER device_assignments_caller_changed
    AFTER INSERT OR UPDATE OR DELETE ON device_assignments
    FOR EACH ROW EXECUTE FUNCTION caller_rows_changed();
CREATE TRIGGER site_assignments_caller_changed
    AFTER INSERT OR UPDATE OR DELETE ON site_assignments
    FOR EACH ROW EXECUTE FUNCTION caller_rows_changed();
CREATE TRIGGER stock_assignments_caller_changed
    AFTER INSERT OR UPDATE OR DELETE ON stock_assignments
    FOR EACH ROW EXECUTE FUNCTION caller_rows_changed();

-- A device came to, left or moved between sites: the users responsible for those sites have
-- other devices now.
CREATE FUNCTION devices_site_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET caller_version = caller_version + 1
         WHERE id IN (SELECT user_id FROM site_assignments WHERE site_id = OLD.site_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE users SET caller_version = caller_version + 1
         WHERE id IN (SELECT user_id FROM site_assignments WHERE site_id = NEW.site_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER devices_site_added_or_removed AFTER INSERT OR DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_site_changed();
CREATE TRIGGER devices_site_moved AFTER UPDATE OF site_id, account_id ON devices
    FOR EACH ROW
    WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION devices_site_changed();
