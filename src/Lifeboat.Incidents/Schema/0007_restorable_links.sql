-- A claimed checklist item and its task name each other. An environment restore puts the tables back one
-- statement at a time inside one transaction, so one of the two would name a row not there yet: the
-- links are checked at commit instead, when both are.
ALTER TABLE incidents.checklist_items ALTER CONSTRAINT checklist_items_incident_id_task_number_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE incidents.tasks ALTER CONSTRAINT tasks_checklist_item DEFERRABLE INITIALLY DEFERRED;
