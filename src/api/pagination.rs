//! authentik's pagination object: page numbers, 0 for no next/previous.

use super::query::Query;
use crate::error::ApiError;
use serde::Serialize;
use utoipa::ToSchema;

pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;
const INVALID_PAGE: &str = "Invalid page.";

/// Which page of a list was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    /// `page` (from 1; anything else is 404 "Invalid page.") and `page_size`
    /// (default 20, capped at 100; a non-positive or non-numeric size means the default).
    pub fn from_query(q: &Query) -> Result<Page, ApiError> {
        let number = match q.get("page") {
            None => 1,
            Some(p) => p
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(ApiError::NotFoundDetail(INVALID_PAGE))?,
        };
        let size = q
            .get("page_size")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .filter(|s| *s >= 1)
            .map_or(DEFAULT_PAGE_SIZE, |s| s.min(MAX_PAGE_SIZE));
        Ok(Page { number, size })
    }

    pub fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// The pagination object for `count` items, or 404 when this page is past the end.
    pub fn describe(&self, count: i64) -> Result<Pagination, ApiError> {
        let total_pages = if count == 0 {
            1
        } else {
            (count + self.size - 1) / self.size
        };
        if self.number > total_pages {
            return Err(ApiError::NotFoundDetail(INVALID_PAGE));
        }
        let (start_index, end_index) = if count == 0 {
            (0, 0)
        } else {
            (self.offset() + 1, (self.number * self.size).min(count))
        };
        Ok(Pagination {
            next: if self.number < total_pages {
                self.number + 1
            } else {
                0
            },
            previous: if self.number > 1 { self.number - 1 } else { 0 },
            count,
            current: self.number,
            total_pages,
            start_index,
            end_index,
        })
    }
}

/// Where a page sits in its list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Pagination {
    pub next: i64,
    pub previous: i64,
    pub count: i64,
    pub current: i64,
    pub total_pages: i64,
    pub start_index: i64,
    pub end_index: i64,
}

/// One page of a list: `{"pagination", "results", "autocomplete"}`.
#[derive(Debug, Serialize)]
pub struct Paginated<T> {
    pub pagination: Pagination,
    pub results: Vec<T>,
    pub autocomplete: serde_json::Value,
}

impl<T> Paginated<T> {
    pub fn new(pagination: Pagination, results: Vec<T>) -> Self {
        Paginated {
            pagination,
            results,
            autocomplete: serde_json::json!({}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: i64, size: i64) -> Page {
        Page { number: n, size }
    }

    #[test]
    fn the_middle_page_points_both_ways() {
        let p = page(2, 10).describe(25).unwrap();
        assert_eq!(
            p,
            Pagination {
                next: 3,
                previous: 1,
                count: 25,
                current: 2,
                total_pages: 3,
                start_index: 11,
                end_index: 20
            }
        );
    }

    #[test]
    fn the_last_page_has_no_next_and_an_empty_list_has_one_page() {
        let p = page(3, 10).describe(25).unwrap();
        assert_eq!((p.next, p.previous, p.end_index), (0, 2, 25));
        let empty = page(1, 20).describe(0).unwrap();
        assert_eq!(
            (
                empty.total_pages,
                empty.start_index,
                empty.end_index,
                empty.next
            ),
            (1, 0, 0, 0)
        );
    }

    #[test]
    fn a_page_past_the_end_is_invalid() {
        assert!(matches!(
            page(4, 10).describe(25),
            Err(ApiError::NotFoundDetail("Invalid page."))
        ));
        assert!(matches!(
            page(2, 20).describe(0),
            Err(ApiError::NotFoundDetail(_))
        ));
    }

    #[test]
    fn sizes_are_capped_and_bad_pages_refused() {
        let q = |pairs: &[(&str, &str)]| {
            Query::new(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(
            Page::from_query(&q(&[("page_size", "1000")])).unwrap().size,
            100
        );
        assert_eq!(
            Page::from_query(&q(&[("page_size", "-5")])).unwrap().size,
            20
        );
        assert!(Page::from_query(&q(&[("page", "0")])).is_err());
        assert!(Page::from_query(&q(&[("page", "abc")])).is_err());
        assert!(Page::from_query(&q(&[("page", "-1")])).is_err());
    }
}
