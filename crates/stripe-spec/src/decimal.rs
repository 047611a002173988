//! Stripe's decimal amounts (`unit_amount_decimal`, `flat_amount_decimal`, …): a
//! non-negative number in minor units, digits with at most 12 decimal places. One canonical
//! text per value (`1000` = `1000.0` = `01000`; `.5` = `0.5`), so the stand-in stores what
//! Stripe would and golive compares amounts whichever field Stripe filled.

/// Why a text is not one of Stripe's decimal amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalProblem {
    Negative,
    /// Not digits with one optional decimal point (`1e3`, `1.2.3`, `1.`, empty).
    NotANumber,
    /// More than Stripe's 12 decimal places.
    TooPrecise,
}

/// Stripe keeps at most this many decimal places.
pub const MAX_DECIMAL_PLACES: usize = 12;

/// The canonical text of a decimal amount, or why it is not one.
pub fn canonical(text: &str) -> Result<String, DecimalProblem> {
    if text.starts_with('-') {
        return Err(DecimalProblem::Negative);
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || (text.contains('.') && frac.is_empty()) {
        return Err(DecimalProblem::NotANumber);
    }
    if frac.len() > MAX_DECIMAL_PLACES {
        return Err(DecimalProblem::TooPrecise);
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Ok(if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_text_per_value_and_stripes_limits() {
        for (text, canon) in [("1000", "1000"), ("1000.0", "1000"), ("0012.50", "12.5"), (".5", "0.5")] {
            assert_eq!(canonical(text).as_deref(), Ok(canon), "{text}");
        }
        assert_eq!(canonical("0.000000000001").as_deref(), Ok("0.000000000001"));
        assert_eq!(canonical("0.0000000000001"), Err(DecimalProblem::TooPrecise));
        assert_eq!(canonical("-1"), Err(DecimalProblem::Negative));
        for bad in ["abc", "1.2.3", "", "1.", "1e3"] {
            assert_eq!(canonical(bad), Err(DecimalProblem::NotANumber), "{bad}");
        }
    }
}
