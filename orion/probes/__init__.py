"""Thin clients that checks observe the homelab through. Each says, by the type it raises, why it could not
look: `SubjectDown` (the subject is down: the check fails) or `CannotObserve` (Orion cannot tell: error).
Readers of the files in stacks/ raise ConfigError (error too: the desired state cannot be read), naming file:line."""
