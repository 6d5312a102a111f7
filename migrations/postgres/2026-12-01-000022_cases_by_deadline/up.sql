-- Cases by deadline, those without one last (`ORDER BY response_deadline IS NULL,
-- response_deadline, id`, as both backends read it): in order from an index, for everyone
-- and for one account, so that a page is read, not the account's every case sorted.
CREATE INDEX cases_deadline_order ON cases ((response_deadline IS NULL), response_deadline, id);
CREATE INDEX cases_account_deadline_order ON cases (account_id, (response_deadline IS NULL), response_deadline, id);
