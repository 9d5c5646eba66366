//! A QR code as inline SVG. The page's CSP allows no `data:` images, and an inline `<svg>`
//! is part of the document, so the enrolment QR code is drawn as one path of dark modules.

use maud::{Markup, PreEscaped, html};
use qrcodegen::{QrCode, QrCodeEcc};
use std::fmt::Write as _;

/// The quiet zone the QR standard asks for around the code, in modules.
const BORDER: i32 = 4;

/// `text` as a QR code labelled `label` for screen readers; None when it is too long.
pub(crate) fn svg(text: &str, label: &str) -> Option<Markup> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + BORDER, y + BORDER);
            }
        }
    }
    let side = size + 2 * BORDER;
    Some(html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (side) " " (side) }
            role="img" aria-label=(label) shape-rendering="crispEdges" {
            rect width="100%" height="100%" fill="#fff" {}
            path d=(PreEscaped(path)) fill="#000" {}
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_a_path_for_an_otpauth_uri() {
        let svg = super::svg(
            "otpauth://totp/isched:a%40b.test?secret=JBSWY3DPEHPK3PXP&issuer=isched",
            "QR",
        )
        .expect("fits")
        .into_string();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(
            svg.contains("M4,4h1v1h-1z"),
            "the finder pattern's corner is dark"
        );
    }
}
