-- The customer export as text, one row per input row, with canonical column names.
-- Typing happens in stg_customers__checked: a bad value is quarantined, not lost.
{{ select_customer_input() }}
