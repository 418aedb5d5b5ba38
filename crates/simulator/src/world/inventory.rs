//! The environment's inventory of hardware OATH tokens, which an `OATH_TOKEN` device is paired with by serial
//! number.

use devices_api::validate;
use serde::{Deserialize, Serialize};

use super::World;

/// A hardware OATH token in the environment's inventory.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OathToken {
    pub serial_number: String,
    /// The token's key in base32.
    pub secret: String,
    /// `HOTP` or `TOTP`.
    pub token_type: String,
    /// 6 or 8.
    pub digits: u32,
    /// For HOTP, the next counter the simulator expects.
    #[serde(default)]
    pub counter: u64,
    /// The device the token is paired with.
    #[serde(default, skip_deserializing)]
    pub paired_device: Option<String>,
}

impl World {
    pub fn add_oath_token(&mut self, token: OathToken) -> Result<(), Vec<String>> {
        let mut problems = oath_token_problems(&token);
        if self.oath_tokens.iter().any(|known| known.serial_number == token.serial_number) {
            problems.push(format!("serialNumber {} is already in the inventory", token.serial_number));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        self.oath_tokens.push(token);
        Ok(())
    }

    pub fn oath_tokens(&self) -> &[OathToken] {
        &self.oath_tokens
    }
}

pub(super) fn oath_token_problems(token: &OathToken) -> Vec<String> {
    let mut problems = Vec::new();
    if !validate::is_serial_number(&token.serial_number) {
        problems.push("serialNumber must be 1 to 64 letters, digits or hyphens".to_owned());
    }
    if data_encoding::BASE32_NOPAD.decode(token.secret.as_bytes()).is_err() {
        problems.push(format!("secret of {} must be base32 without padding", token.serial_number));
    }
    if token.token_type != "HOTP" && token.token_type != "TOTP" {
        problems.push(format!("tokenType of {} must be HOTP or TOTP", token.serial_number));
    }
    if token.digits != 6 && token.digits != 8 {
        problems.push(format!("digits of {} must be 6 or 8", token.serial_number));
    }
    problems
}

#[cfg(test)]
mod tests {
    use crate::Fixture;

    use super::*;

    fn token(serial: &str) -> OathToken {
        OathToken {
            serial_number: serial.into(),
            secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into(),
            token_type: "HOTP".into(),
            digits: 6,
            counter: 0,
            paired_device: None,
        }
    }

    #[test]
    fn a_token_joins_the_inventory_once_and_with_valid_fields() {
        let mut world = World::new(&Fixture::demo()).expect("the demo fixture is valid");
        let known = world.oath_tokens().len();
        assert!(world.add_oath_token(token("UNIT-0001")).is_ok());
        assert_eq!(world.oath_tokens().len(), known + 1);
        let again = world.add_oath_token(token("UNIT-0001")).expect_err("a serial number is unique");
        assert!(again[0].contains("already in the inventory"), "{again:?}");
        let bad =
            OathToken { secret: "not base32!".into(), token_type: "PUSH".into(), digits: 7, ..token("bad serial") };
        assert_eq!(oath_token_problems(&bad).len(), 4, "each problem is named");
    }
}
