use super::*;

#[test]
fn retry_after_in_seconds_or_as_a_date() {
    assert_eq!(parse_retry_after("3"), Some(3.0));
    assert_eq!(parse_retry_after(" 0 "), Some(0.0));
    assert_eq!(parse_retry_after("-1"), None);
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(0.0)
    );
    assert_eq!(parse_retry_after("soon"), None);
}

#[test]
fn which_statuses_are_retried() {
    for s in [408, 429, 500, 502, 503, 504] {
        assert!(retryable_status(s), "{s}");
    }
    for s in [200, 304, 400, 403, 404] {
        assert!(!retryable_status(s), "{s}");
    }
}
