DELETE FROM case_comments WHERE case_id IN (SELECT id FROM cases WHERE device_id IS NULL OR category = 'billing');
DELETE FROM case_status_changes WHERE case_id IN (SELECT id FROM cases WHERE device_id IS NULL OR category = 'billing');
DELETE FROM cases WHERE device_id IS NULL OR category = 'billing';
ALTER TABLE cases DROP CONSTRAINT cases_device_or_account_question;
ALTER TABLE cases DROP CONSTRAINT cases_category_check;
ALTER TABLE cases ADD CONSTRAINT cases_category_check
    CHECK (category IN ('fault', 'consumables', 'meter_query', 'move', 'general_question'));
ALTER TABLE cases ALTER COLUMN device_id SET NOT NULL;
