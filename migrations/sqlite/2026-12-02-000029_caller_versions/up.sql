-- Who a user is to the authorization of a request (their role, dealer, sign-out time,
-- language, memberships, and the devices and stock locations they are responsible for) is
-- versioned: every change to those rows moves the user's caller_version on, in the
-- transaction that makes it. A server may then keep a caller it has read and reuse it while
-- the version it reads with each request is unchanged. The triggers are the rule, so that no
-- write path can forget it.
ALTER TABLE users ADD COLUMN caller_version BIGINT NOT NULL DEFAULT 0;

CREATE INDEX site_assignments_site ON site_assignments (site_id);

CREATE TRIGGER users_caller_changed
    AFTER UPDATE OF staff_role, dealer_id, dealer_role, signed_out_before, language ON users
    FOR EACH ROW
    WHEN OLD.staff_role IS NOT NEW.staff_role
      OR OLD.dealer_id IS NOT NEW.dealer_id
      OR OLD.dealer_role IS NOT NEW.dealer_role
      OR OLD.signed_out_before IS NOT NEW.signed_out_before
      OR OLD.language IS NOT NEW.language
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = NEW.id;
END;

-- A row of these tables changed: its user (before and after) is someone else now.
CREATE TRIGGER memberships_caller_added AFTER INSERT ON memberships FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER memberships_caller_changed AFTER UPDATE ON memberships FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER memberships_caller_removed AFTER DELETE ON memberships FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = OLD.user_id;
END;
CREATE TRIGGER device_assignments_caller_added AFTER INSERT ON device_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER device_assignments_caller_changed AFTER UPDATE ON device_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER device_assignments_caller_removed AFTER DELETE ON device_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = OLD.user_id;
END;
CREATE TRIGGER site_assignments_caller_added AFTER INSERT ON site_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER site_assignments_caller_changed AFTER UPDATE ON site_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER site_assignments_caller_removed AFTER DELETE ON site_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = OLD.user_id;
END;
CREATE TRIGGER stock_assignments_caller_added AFTER INSERT ON stock_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER stock_assignments_caller_changed AFTER UPDATE ON stock_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER stock_assignments_caller_removed AFTER DELETE ON stock_assignments FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1 WHERE id = OLD.user_id;
END;

-- A device came to, left or moved between sites: the users responsible for those sites have
-- other devices now.
CREATE TRIGGER devices_site_added AFTER INSERT ON devices FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1
     WHERE id IN (SELECT user_id FROM site_assignments WHERE site_id = NEW.site_id);
END;
CREATE TRIGGER devices_site_removed AFTER DELETE ON devices FOR EACH ROW
BEGIN
    UPDATE users SET caller_version = caller_version + 1
     WHERE id IN (SELECT user_id FROM site_assignments WHERE site_id = OLD.site_id);
END;
CREATE TRIGGER devices_site_moved AFTER UPDATE OF site_id, account_id ON devices FOR EACH ROW
    WHEN OLD.site_id IS NOT NEW.site_id OR OLD.account_id IS NOT NEW.account_id
BEGIN
    UPDATE users SET caller_version = caller_version + 1
     WHERE id IN (SELECT user_id FROM site_assignments WHERE site_id IN (OLD.site_id, NEW.site_id));
END;
