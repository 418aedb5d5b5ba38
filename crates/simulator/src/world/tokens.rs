//! Worker tokens, as PingOne's token endpoint issues them, and the request limit per token.

use time::Duration;

use super::{World, random_bytes};
use crate::error::ApiError;

impl World {
    /// Issues a worker token when the client credentials match; returns it with its lifetime in seconds.
    pub fn issue_token(&mut self, client_id: &str, client_secret: &str) -> Option<(String, i64)> {
        if client_id != self.client_id || client_secret != self.client_secret {
            return None;
        }
        let now = self.now();
        self.tokens.retain(|_, expires| *expires > now);
        let lifetime = self.faults.token_lifetime_seconds;
        let token = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>());
        self.tokens.insert(token.clone(), now + Duration::seconds(lifetime));
        self.issued.push(token.clone());
        Some((token, lifetime))
    }

    /// Every worker token ever issued, expired or not: tests look for them where they must not be.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.issued.clone()
    }

    /// Ends every worker token now, as if they had all expired.
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    /// Checks a worker token and counts the request against the token's limit.
    pub fn admit(&mut self, token: &str) -> Result<(), ApiError> {
        let now = self.now();
        match self.tokens.get(token) {
            Some(expires) if *expires > now => {}
            _ => return Err(ApiError::invalid_token()),
        }
        let second = now.unix_timestamp();
        let entry = self.request_counts.entry(token.to_owned()).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        entry.1 += 1;
        if entry.1 > self.faults.requests_per_second {
            return Err(ApiError::request_limited(now, 1));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Fixture;

    use super::*;

    fn world() -> (World, String, String) {
        let fixture = Fixture::demo();
        let credentials = (fixture.client_id.clone(), fixture.client_secret.clone());
        (World::new(&fixture).expect("the demo fixture is valid"), credentials.0, credentials.1)
    }

    #[test]
    fn a_token_is_issued_for_the_workers_credentials_only_and_ends_when_expired() {
        let (mut world, client_id, secret) = world();
        assert!(world.issue_token(&client_id, "wrong").is_none());
        let (token, lifetime) = world.issue_token(&client_id, &secret).expect("a token");
        assert_eq!(lifetime, world.faults.token_lifetime_seconds);
        assert!(world.admit(&token).is_ok());
        assert!(world.admit("made-up").is_err());
        world.set_clock_offset(lifetime);
        assert!(world.admit(&token).is_err(), "expired at the end of its lifetime");
        assert_eq!(world.issued_tokens(), vec![token], "issued tokens are remembered for the secret scans");
    }

    #[test]
    fn a_token_over_its_requests_per_second_is_limited_and_revocation_ends_every_token() {
        let (mut world, client_id, secret) = world();
        world.faults.requests_per_second = 2;
        // Three requests within one second of the clock: tried again in the rare case that a second turned between.
        let token = loop {
            let second = world.now().unix_timestamp();
            let (token, _) = world.issue_token(&client_id, &secret).expect("a token");
            let admitted = [world.admit(&token).is_ok(), world.admit(&token).is_ok(), world.admit(&token).is_ok()];
            if world.now().unix_timestamp() == second {
                assert_eq!(admitted, [true, true, false], "the third in a second is refused");
                break token;
            }
        };
        world.expire_tokens();
        assert!(world.admit(&token).is_err());
    }
}
