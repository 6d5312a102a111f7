DROP INDEX cases_account_deadline_order;
DROP INDEX cases_deadline_order;
