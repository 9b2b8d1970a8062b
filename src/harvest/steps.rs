//! The harvest's steps, one per source: the catalogue of active standards,
//! the committees, every standard's detail page, the legacy listings.

use super::fetch::understood;
use super::*;

impl Harvest<'_> {
    pub(super) fn catalogue(&mut self) -> Result<Option<catalogue::Catalogue>, HarvestError> {
        let url = self.checked(self.registry.catalogue_url(&self.base))?;
        self.progress.begin("catalogue", 1);
        let page = self
            .fetch_pages("catalogue", std::slice::from_ref(&url))?
            .pop();
        let mut unreadable = false;
        let parsed = match page {
            Some(Page::Ok {
                status: 200, body, ..
            }) => match catalogue::parse(&body, &self.registry.catalogue.fields) {
                Ok(c) => Some(c),
                Err(e) => {
                    unreadable = true;
                    self.issues.push(DataIssue::new(
                        "catalogue",
                        url.as_str(),
                        format!("catalogue unreadable: {e}"),
                        None,
                    ));
                    None
                }
            },
            Some(Page::Ok { status, .. }) => {
                self.issues.push(DataIssue::new(
                    "catalogue",
                    url.as_str(),
                    format!("catalogue answered HTTP {status}"),
                    None,
                ));
                None
            }
            _ => None,
        };
        if parsed.as_ref().is_some_and(|c| c.missing_fields.is_empty()) {
            understood("catalogue");
        }
        let coverage = match &parsed {
            Some(c) if !c.missing_fields.is_empty() => {
                // Renamed fields would publish as nulls everywhere: the
                // catalogue is not understood, and the run is held.
                for (key, name) in &c.missing_fields {
                    self.issues.push(DataIssue::new(
                        "catalogue",
                        url.as_str(),
                        format!("no entry of the catalogue has the field `{name}` (registry key {key}): the site's JSON may have changed"),
                        None,
                    ));
                }
                Coverage {
                    expected: c.reported as u64,
                    covered: 0,
                    unrecognised: c.reported as u64,
                }
            }
            Some(c) => Coverage {
                expected: c.reported as u64,
                covered: c.rows.len() as u64,
                unrecognised: c.rejected.len() as u64,
            },
            None => Coverage {
                expected: 1,
                covered: 0,
                unrecognised: u64::from(unreadable),
            },
        };
        self.coverage.insert("catalogue", coverage);
        self.progress
            .end(&format!("{} standards", coverage.covered));
        Ok(parsed)
    }

    /// Scans committee ids 1, 2, 3, … until `stop_after` consecutive misses
    /// past the highest id ever seen (a larger run on a first harvest).
    pub(super) fn committees(
        &mut self,
    ) -> Result<(Vec<committees::CommitteeRecord>, u32), HarvestError> {
        let remembered: u32 = self
            .store
            .state(COMMITTEES_MAX_ID)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let stop_after = if remembered == 0 {
            self.cfg.committees_first_run_stop_after
        } else {
            self.cfg.committees_stop_after
        };
        let batch = (self.cfg.concurrent_requests * 4).max(16);
        self.progress
            .begin("committees", u64::from(remembered + stop_after));
        let (mut found, mut highest, mut misses) = (Vec::new(), remembered, 0u32);
        let mut coverage = Coverage::default();
        let mut next = 1u32;
        loop {
            let ids: Vec<u32> = (next..next + batch).collect();
            let urls = ids
                .iter()
                .map(|id| self.checked(self.registry.committee_url(&self.base, *id)))
                .collect::<Result<Vec<_>, _>>()?;
            let answers = self.fetch_pages("committees", &urls)?;
            for ((id, url), page) in ids.iter().zip(&urls).zip(answers) {
                coverage.expected += 1;
                let answer = match page {
                    Page::Ok {
                        status: 200, body, ..
                    } => match committees::parse(*id, &body, &self.registry.committees) {
                        Ok(a) => Some(a),
                        Err(e) => {
                            coverage.unrecognised += 1;
                            self.issues.push(DataIssue::new(
                                "committees",
                                url.as_str(),
                                format!(
                                    "answer not recognised: {e} (registry keys {})",
                                    quality::registry_keys("committees")
                                ),
                                None,
                            ));
                            None
                        }
                    },
                    Page::Ok {
                        status: 404 | 400, ..
                    } => Some(committees::CommitteeAnswer::NotFound),
                    Page::Ok { status, .. } => {
                        self.issues.push(DataIssue::new(
                            "committees",
                            url.as_str(),
                            format!("answered HTTP {status}"),
                            None,
                        ));
                        None
                    }
                    Page::Failed => None,
                };
                if answer.is_some() {
                    understood("committees");
                }
                match answer {
                    Some(committees::CommitteeAnswer::Found(rec)) => {
                        coverage.covered += 1;
                        misses = 0;
                        highest = highest.max(*id);
                        found.push(*rec);
                    }
                    Some(committees::CommitteeAnswer::NotFound) => {
                        coverage.covered += 1;
                        misses += 1;
                    }
                    None => {}
                }
            }
            next += batch;
            if self.fetcher.stop_flag().load(Ordering::Relaxed) {
                break;
            }
            let past_known = next > remembered;
            if next > remembered + stop_after {
                self.progress.grow(u64::from(batch));
            }
            if (past_known && misses >= stop_after) || next > MAX_COMMITTEE_ID {
                break;
            }
        }
        self.coverage.insert("committees", coverage);
        self.progress.end(&format!("{} committees", found.len()));
        Ok((found, highest))
    }

    pub(super) fn details(&mut self, codes: &[String]) -> Result<DetailFacts, HarvestError> {
        let urls = codes
            .iter()
            .map(|c| self.checked(self.registry.detail_url(&self.base, c)))
            .collect::<Result<Vec<_>, _>>()?;
        self.progress.begin("detail", codes.len() as u64);
        let mut out = DetailFacts::default();
        let mut unrecognised = 0;
        let parser = detail::Parser::new(&self.registry.detail);
        // In chunks: only one chunk's bodies are in memory at a time (the
        // pool of workers stays; a chunk only bounds what waits for parsing).
        let chunks = codes.chunks(DETAIL_CHUNK).zip(urls.chunks(DETAIL_CHUNK));
        for (codes_chunk, urls_chunk) in chunks {
            let answers = self.fetch_pages("detail", urls_chunk)?;
            for ((code, url), page) in codes_chunk.iter().zip(urls_chunk).zip(answers) {
                match page {
                    Page::Ok {
                        status: 200,
                        body,
                        content_type,
                    } => {
                        let html = decode::decode(&body, content_type.as_deref());
                        let parsed = parser.parse(&html);
                        if !parsed.recognised {
                            // Nothing is published from a page the parser did
                            // not understand: the standard keeps no detail.
                            unrecognised += 1;
                            self.issues.push(DataIssue::new(
                            "detail",
                            code,
                            format!(
                                "markup not recognised: no known section; panel headers seen: {:?} (registry keys {})",
                                parsed.unknown_sections,
                                quality::registry_keys("detail")
                            ),
                            Some(url.to_string()),
                        ));
                            continue;
                        }
                        understood("detail");
                        out.add(code, url.as_str(), parsed);
                    }
                    Page::Ok { status, .. } => {
                        self.issues.push(DataIssue::new(
                            "detail",
                            code,
                            format!("detail page answered HTTP {status}"),
                            Some(url.to_string()),
                        ));
                    }
                    Page::Failed => {}
                }
            }
        }
        let coverage = Coverage {
            expected: codes.len() as u64,
            covered: out.pages() as u64,
            unrecognised,
        };
        self.coverage.insert("detail", coverage);
        self.progress.end(&format!("{} pages", out.pages()));
        Ok(out)
    }

    /// Breadth-first from the hub over `controlador.do?comp=` links of the
    /// same host, robots obeyed; rows of the inactive, historic and brand listings.
    pub(super) fn legacy(&mut self) -> Result<LegacyHarvest, HarvestError> {
        let reg = &self.registry.legacy;
        let hub = self.checked(self.registry.hub_url(&self.base))?;
        let mut queue = vec![hub.clone()];
        let mut seen: HashSet<Url> = HashSet::from([hub]);
        let mut inventory = Vec::new();
        let mut rows: BTreeMap<String, BTreeMap<String, legacy::LegacyRow>> = BTreeMap::new();
        let mut reported: BTreeMap<String, u64> = BTreeMap::new();
        let mut pages_cov = Coverage::default();
        self.progress.begin("legacy", 1);
        while !queue.is_empty() && seen.len() <= MAX_LEGACY_PAGES {
            let level = std::mem::take(&mut queue);
            let answers = self.fetch_pages("legacy", &level)?;
            for (url, page) in level.iter().zip(answers) {
                pages_cov.expected += 1;
                let Page::Ok {
                    status,
                    body,
                    content_type,
                } = page
                else {
                    inventory.push(LegacyPageRecord {
                        url: url.to_string(),
                        titulo: None,
                        status: 0,
                        content_sha256: None,
                        links: vec![],
                    });
                    continue;
                };
                let html = decode::decode(&body, content_type.as_deref());
                let parsed = legacy::parse(&html, url, reg);
                if status == 200 {
                    understood("legacy");
                    pages_cov.covered += 1;
                    let comp = legacy::component(url).unwrap_or_default();
                    if reg.listings.contains_key(&comp) {
                        let listing = rows.entry(comp.clone()).or_default();
                        for row in parsed.rows.iter() {
                            let code = crate::normalize::clean(&row.codigo_raw);
                            listing.entry(code).or_insert_with(|| row.clone());
                        }
                        if let Some(total) = parsed.reported_total {
                            let r = reported.entry(comp).or_default();
                            *r = (*r).max(total);
                        }
                    }
                } else {
                    self.issues.push(DataIssue::new(
                        "legacy",
                        url.as_str(),
                        format!("answered HTTP {status}"),
                        None,
                    ));
                }
                for link in &parsed.links {
                    let comp = legacy::component(link).unwrap_or_default();
                    if reg.skip_components.contains(&comp) || seen.contains(link) {
                        continue;
                    }
                    if !self.fetcher.allowed(link) {
                        self.summary.disallowed_skipped += 1;
                        seen.insert(link.clone());
                        continue;
                    }
                    seen.insert(link.clone());
                    queue.push(link.clone());
                }
                inventory.push(LegacyPageRecord {
                    url: url.to_string(),
                    titulo: parsed.title,
                    status: i64::from(status),
                    content_sha256: Some(pages::sha256_hex(&body)),
                    links: parsed.links.iter().map(Url::to_string).collect(),
                });
            }
            self.progress.grow(queue.len() as u64);
        }
        let mut listing_cov = Coverage::default();
        let mut out = Vec::new();
        for (comp, kind) in &reg.listings {
            let tipo = Tipo::from_listing(kind).expect("validated by the registry");
            let got = rows.remove(comp).unwrap_or_default();
            listing_cov.expected += reported.get(comp).copied().unwrap_or(got.len() as u64);
            listing_cov.covered += got.len() as u64;
            out.extend(got.into_values().map(|r| (tipo, r)));
        }
        self.coverage.insert("legacy_pages", pages_cov);
        self.coverage.insert("legacy_listings", listing_cov);
        self.progress.end(&format!(
            "{} pages, {} listed standards",
            inventory.len(),
            out.len()
        ));
        Ok((out, inventory))
    }
}
