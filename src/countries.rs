//! Calling codes for every country and territory with a telephone service, so that a person can choose their
//! country and type their number the way they know it. Names come from the browser (`Intl.DisplayNames`), in the
//! person's language, which costs the widget no bytes.

/// ISO 3166-1 region codes with their ITU-T E.164 calling codes, packed as `AD376AE971…` to keep the widget small.
/// Every region of the North American Numbering Plan has `1`: its national numbers start with the area code.
const CALLING_CODES: &str = "AD376AE971AF93AG1AI1AL355AM374AO244AR54AS1AT43AU61AW297AX358AZ994BA387BB1BD880BE32BF226\
BG359BH973BI257BJ229BL590BM1BN673BO591BQ599BR55BS1BT975BW267BY375BZ501CA1CC61CD243CF236CG242CH41CI225CK682CL56CM237\
CN86CO57CR506CU53CV238CW599CX61CY357CZ420DE49DJ253DK45DM1DO1DZ213EC593EE372EG20EH212ER291ES34ET251FI358FJ679FK500\
FM691FO298FR33GA241GB44GD1GE995GF594GG44GH233GI350GL299GM220GN224GP590GQ240GR30GT502GU1GW245GY592HK852HN504HR385\
HT509HU36ID62IE353IL972IM44IN91IO246IQ964IR98IS354IT39JE44JM1JO962JP81KE254KG996KH855KI686KM269KN1KP850KR82KW965\
KY1KZ7LA856LB961LC1LI423LK94LR231LS266LT370LU352LV371LY218MA212MC377MD373ME382MF590MG261MH692MK389ML223MM95MN976\
MO853MP1MQ596MR222MS1MT356MU230MV960MW265MX52MY60MZ258NA264NC687NE227NF672NG234NI505NL31NO47NP977NR674NU683NZ64\
OM968PA507PE51PF689PG675PH63PK92PL48PM508PR1PS970PT351PW680PY595QA974RE262RO40RS381RU7RW250SA966SB677SC248SD249\
SE46SG65SH290SI386SJ47SK421SL232SM378SN221SO252SR597SS211ST239SV503SX1SY963SZ268TC1TD235TG228TH66TJ992TK690TL670\
TM993TN216TO676TR90TT1TV688TW886TZ255UA380UG256US1UY598UZ998VA39VC1VG1VI1VN84VU678WF681WS685XK383YE967YT262ZA27\
ZM260ZW263";

/// Regions whose national numbers keep their leading 0 after the calling code.
const KEEPS_LEADING_ZERO: [&str; 3] = ["IT", "SM", "VA"];

/// Every region with its calling code, such as `("DE", "49")`, in the order of the region codes.
pub fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
    let mut rest = CALLING_CODES;
    std::iter::from_fn(move || {
        let (region, after) = rest.split_at_checked(2)?;
        let digits = after.find(|c: char| c.is_ascii_uppercase()).unwrap_or(after.len());
        let (code, after) = after.split_at(digits);
        rest = after;
        Some((region, code))
    })
}

/// The calling code of a region, such as `49` for `DE`.
pub fn calling_code(region: &str) -> Option<&'static str> {
    all().find(|(known, _)| *known == region).map(|(_, code)| code)
}

/// The number as typed, made international with the region's calling code when it does not carry its own (`+` or
/// `00`); the national trunk prefix `0` is dropped where the region's numbering does so.
pub fn international(typed: &str, region: &str) -> String {
    let typed = typed.trim();
    if typed.starts_with('+') {
        return typed.to_owned();
    }
    if let Some(rest) = typed.strip_prefix("00") {
        return format!("+{rest}");
    }
    let Some(code) = calling_code(region) else { return typed.to_owned() };
    let national = if KEEPS_LEADING_ZERO.contains(&region) { typed } else { typed.strip_prefix('0').unwrap_or(typed) };
    format!("+{code} {national}")
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl)]
    type DisplayNames;
    #[wasm_bindgen(constructor, js_namespace = Intl)]
    fn new(locales: &str, options: &wasm_bindgen::JsValue) -> DisplayNames;
    #[wasm_bindgen(method)]
    fn of(this: &DisplayNames, code: &str) -> Option<String>;

    #[wasm_bindgen(js_namespace = Intl)]
    type Locale;
    #[wasm_bindgen(constructor, js_namespace = Intl, catch)]
    fn new(tag: &str) -> Result<Locale, wasm_bindgen::JsValue>;
    #[wasm_bindgen(method)]
    fn maximize(this: &Locale) -> Locale;
    #[wasm_bindgen(method, getter)]
    fn region(this: &Locale) -> Option<String>;

    #[wasm_bindgen(js_namespace = Intl)]
    type Collator;
    #[wasm_bindgen(constructor, js_namespace = Intl)]
    fn new(locales: &str) -> Collator;
    #[wasm_bindgen(method)]
    fn compare(this: &Collator, a: &str, b: &str) -> f64;
}

/// The region that a locale most likely means: `DE` for `de`, `CH` for `de-CH`, `US` for `en`; `US` when the
/// browser cannot tell.
pub fn region_of(tag: &str) -> String {
    Locale::new(tag).ok().and_then(|locale| locale.maximize().region()).unwrap_or_else(|| "US".to_owned())
}

/// Every region as `(name in lang, region, calling code)`, sorted by name the way lang sorts.
pub fn named(lang: &str) -> Vec<(String, &'static str, &'static str)> {
    let options = js_sys::JSON::parse(r#"{"type":"region"}"#).unwrap_or_default();
    let names = DisplayNames::new(lang, &options);
    let collator = Collator::new(lang);
    let mut regions: Vec<(String, &str, &str)> = Vec::new();
    // Insertion at the place a binary search finds: fewer bytes than a sort routine, and quick enough for 240.
    for (region, code) in all() {
        let name = names.of(region).unwrap_or_else(|| region.to_owned());
        let at = regions.partition_point(|(before, ..)| collator.compare(before, &name) <= 0.0);
        regions.insert(at, (name, region, code));
    }
    regions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_has_a_code_of_one_to_three_digits_and_appears_once() {
        let regions: Vec<_> = all().collect();
        assert!(regions.len() > 235, "{} regions", regions.len());
        for (region, code) in &regions {
            assert!(region.chars().all(|c| c.is_ascii_uppercase()) && region.len() == 2, "{region}");
            assert!((1..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_digit()), "{region} {code}");
        }
        assert!(regions.windows(2).all(|pair| pair[0].0 < pair[1].0), "sorted, each region once");
        assert_eq!(calling_code("DE"), Some("49"));
        assert_eq!(calling_code("JM"), Some("1"));
        assert_eq!(calling_code("ZW"), Some("263"));
        assert_eq!(calling_code("QQ"), None);
    }

    #[test]
    fn a_national_number_takes_the_region_code_and_an_international_one_keeps_its_own() {
        assert_eq!(international("(512) 520-1234", "US"), "+1 (512) 520-1234");
        assert_eq!(international("0151 2345678", "DE"), "+49 151 2345678");
        assert_eq!(international("06 1234 5678", "IT"), "+39 06 1234 5678");
        assert_eq!(international("+1.5125201234", "DE"), "+1.5125201234");
        assert_eq!(international(" 0044 20 7946 0018", "DE"), "+44 20 7946 0018");
        assert_eq!(international("5125201234", ""), "5125201234");
    }
}
