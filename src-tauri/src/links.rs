//! Which links the window may ask to open in the browser: dashboards where the user must act.

const ALLOWED_PREFIXES: [&str; 3] =
    ["https://dashboard.stripe.com/", "https://dash.cloudflare.com/", "https://developers.cloudflare.com/"];

pub fn allowed(url: &str) -> bool {
    ALLOWED_PREFIXES.iter().any(|p| url.starts_with(p)) && !url.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_dashboard_links_open() {
        assert!(super::allowed("https://dashboard.stripe.com/apikeys"));
        assert!(!super::allowed("https://dashboard.stripe.com.evil.example/"));
        assert!(!super::allowed("file:///etc/passwd"));
        assert!(!super::allowed("javascript:alert(1)"));
    }
}
