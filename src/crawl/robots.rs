//! robots.txt: fetched once per host and run, matched with Google's
//! semantics (user-agent groups, longest Allow/Disallow match) by the
//! `texting_robots` crate; Crawl-delay is honoured by the throttle.

use texting_robots::Robot;

/// The product token matched against `User-agent:` lines.
pub const AGENT_TOKEN: &str = "renec-harvester";

/// The longest Crawl-delay honoured, in seconds (an hour between requests).
pub const MAX_CRAWL_DELAY: f64 = 3600.0;

/// What robots.txt allows on one host.
pub enum RobotsPolicy {
    /// No robots.txt (HTTP 404) or robots not obeyed: everything is allowed.
    AllowAll,
    Rules(Box<Robot>),
}

impl RobotsPolicy {
    pub fn parse(body: &[u8]) -> RobotsPolicy {
        match Robot::new(AGENT_TOKEN, body) {
            Ok(robot) => RobotsPolicy::Rules(Box::new(robot)),
            // An unparseable file has no rules we can read: treat it as empty.
            Err(_) => RobotsPolicy::AllowAll,
        }
    }

    pub fn allowed(&self, url: &str) -> bool {
        match self {
            RobotsPolicy::AllowAll => true,
            RobotsPolicy::Rules(robot) => robot.allowed(url),
        }
    }

    /// Crawl-delay in seconds, if the file sets a usable one for us: a
    /// negative or unreadable (NaN) value is ignored, and one longer than
    /// [`MAX_CRAWL_DELAY`] (even `1e400`, infinite) reads as that maximum,
    /// so the throttle never waits for ever.
    pub fn crawl_delay(&self) -> Option<f64> {
        match self {
            RobotsPolicy::AllowAll => None,
            RobotsPolicy::Rules(robot) => robot
                .delay
                .map(f64::from)
                .filter(|d| *d >= 0.0)
                .map(|d| d.min(MAX_CRAWL_DELAY)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `robots` fuzz target: `Crawl-delay: 1e400` parsed as
    /// infinity, and the throttle's `Duration::from_secs_f64` panicked.
    #[test]
    fn absurd_crawl_delays_are_bounded_or_ignored() {
        let delay = |v: &str| {
            RobotsPolicy::parse(
                format!("User-agent: *\r\nCrawl-delay: {v}\r\nDisallow: /x\r\n").as_bytes(),
            )
            .crawl_delay()
        };
        assert_eq!(delay("1e400"), Some(MAX_CRAWL_DELAY));
        assert_eq!(delay("inf"), Some(MAX_CRAWL_DELAY));
        assert_eq!(delay("99999"), Some(MAX_CRAWL_DELAY));
        assert_eq!(delay("NaN"), None);
        assert_eq!(delay("-5"), None);
        assert_eq!(delay("0.5"), Some(0.5));
    }

    const TXT: &[u8] = b"User-agent: *\nDisallow: /private\n\nUser-agent: renec-harvester\nDisallow: /RENEC/controlador.do?comp=ES&\nDisallow: /RENEC/\nAllow: /RENEC/controlador.do\nCrawl-delay: 2\n";

    #[test]
    fn our_group_longest_match_and_delay() {
        let p = RobotsPolicy::parse(TXT);
        assert!(p.allowed("http://h/RENEC/controlador.do?comp=IR"));
        assert!(!p.allowed("http://h/RENEC/controlador.do?comp=ES&q=x"));
        assert!(!p.allowed("http://h/RENEC/otra.jsp"));
        // The `*` group does not apply once our own group exists.
        assert!(p.allowed("http://h/private"));
        assert_eq!(p.crawl_delay(), Some(2.0));
    }

    #[test]
    fn allow_all_allows_all() {
        assert!(RobotsPolicy::AllowAll.allowed("http://h/anything"));
        assert_eq!(RobotsPolicy::AllowAll.crawl_delay(), None);
    }
}
