-- A case may be about the account alone (an invoice, the account, meter billing): then it has
-- no device. Such questions are the categories billing, general_question and meter_query.
ALTER TABLE cases ALTER COLUMN device_id DROP NOT NULL;
ALTER TABLE cases DROP CONSTRAINT cases_category_check;
ALTER TABLE cases ADD CONSTRAINT cases_category_check
    CHECK (category IN ('fault', 'consumables', 'meter_query', 'move', 'general_question', 'billing'));
ALTER TABLE cases ADD CONSTRAINT cases_device_or_account_question
    CHECK (device_id IS NOT NULL OR category IN ('billing', 'general_question', 'meter_query'));
