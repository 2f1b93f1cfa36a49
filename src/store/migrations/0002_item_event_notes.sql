-- Why an item was skipped, or what a flag is about.
ALTER TABLE item_events ADD COLUMN note TEXT;
