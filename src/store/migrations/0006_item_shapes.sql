-- Conversation and comparison items: `{"messages": [...]}` or `{"candidates": [...]}`;
-- NULL for a single answer, so every older item reads as it always did.
ALTER TABLE items ADD COLUMN shape TEXT;
