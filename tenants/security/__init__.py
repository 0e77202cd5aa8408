"""Account security: tenant security settings (IP allowlist, session limits, MFA enforcement), session
management and TOTP second factors. See README, *Account security*."""
