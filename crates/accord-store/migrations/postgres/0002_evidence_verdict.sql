-- Issue 9: evidence is judged by what it says, and is about a subject.
-- `passed`: the file's result as judged on upload (1 passed, 0 failed, NULL
-- no result); `subject_digest`: the profile digest it names (NULL: none);
-- `notes`: why it failed, as a JSON array of strings.
ALTER TABLE evidence ADD COLUMN passed BIGINT;
ALTER TABLE evidence ADD COLUMN subject_digest TEXT;
ALTER TABLE evidence ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
