-- Every request to a participant is signed with a secret of its own (docs/participants.md, "Signatures"),
-- generated when it is registered and shown once to whoever registered it. Lifeboat needs the secret
-- itself to sign, so it is kept, not a hash of it. A participant registered before this has none: calls
-- to it are refused until it is registered again.
ALTER TABLE platform.participants ADD COLUMN secret text NULL;
