//! The QR code of an `otpauth://` URI, drawn as SVG path data from the `qrcode` crate's module matrix.
//!
//! It owns geometry only: the URI never appears in the output, no markup is built from strings, and no image
//! service is ever asked.

use qrcode::{Color, EcLevel, QrCode};

/// The white border that scanners need around the code, in modules.
pub const QUIET_ZONE: usize = 4;

/// The drawing of one QR code: `size` modules square, quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrDrawing {
    pub size: usize,
    /// SVG path data with one rectangle per horizontal run of dark modules.
    pub path: String,
}

/// Draws `text` as a QR code, or `None` when it is too long for one.
pub fn draw(text: &str) -> Option<QrDrawing> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let run = row[x..].iter().take_while(|&&color| color == Color::Dark).count();
                path.push_str(&format!("M{} {}h{run}v1h-{run}z", x + QUIET_ZONE, y + QUIET_ZONE));
                x += run;
            } else {
                x += 1;
            }
        }
    }
    Some(QrDrawing { size: width + 2 * QUIET_ZONE, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_dark_module_and_nothing_of_the_uri() {
        let uri = "otpauth://totp/demo@example.com?secret=D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35";
        let drawing = draw(uri).expect("fits in a QR code");
        let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M).expect("encodes");
        let dark = code.to_colors().iter().filter(|&&c| c == Color::Dark).count();
        let drawn: usize = drawing
            .path
            .split('M')
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.split('h')
                    .nth(1)
                    .and_then(|run| run.split('v').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .expect("run")
            })
            .sum();
        assert_eq!(drawn, dark);
        assert_eq!(drawing.size, code.width() + 8);
        assert!(!drawing.path.contains("secret"));
    }

    #[test]
    fn refuses_text_too_long_for_a_qr_code() {
        assert_eq!(draw(&"x".repeat(5000)), None);
    }
}
